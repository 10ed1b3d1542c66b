package main

import (
	"fmt"
	"strings"
	"time"
)

// badInput is one malformed or hostile request and the status it deserves.
type badInput struct {
	what   string // how the request is wrong, for the report
	req    string
	code   int
	closes bool // the server must close after answering: the framing is lost
}

func init() {
	register(
		strictCheck("bad-request-line", "a malformed request line gets 400 and the connection closes",
			badInput{"a request line without a version", "GET /\r\nHost: localhost\r\n\r\n", 400, true},
			badInput{"two spaces between method and target", "GET  / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, true},
			badInput{"a fourth word in the request line", "GET / HTTP/1.1 please\r\nHost: localhost\r\n\r\n", 400, true},
			badInput{"a TLS handshake sent to a plain-text port", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", 400, true},
		),
		strictCheck("bad-header-line", "a header line without a colon gets 400",
			badInput{"a header line without a colon", "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent curl\r\n\r\n", 400, true},
		),
		strictCheck("version-505", "an unsupported HTTP version gets 505",
			badInput{"HTTP/2.0 in the request line", "GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", 505, false},
			badInput{"HTTP/1.2 in the request line", "GET / HTTP/1.2\r\nHost: localhost\r\n\r\n", 505, false},
		),
		strictCheck("header-too-large-431", "a header section over 8 KiB gets 431",
			badInput{"a 9 KiB Cookie header", "GET / HTTP/1.1\r\nHost: localhost\r\nCookie: " + strings.Repeat("a=b; ", 9*1024/5) + "\r\n\r\n", 431, false},
		),
		strictCheck("host-400", "a missing or repeated Host gets 400",
			badInput{"an HTTP/1.1 request without Host", "GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n", 400, false},
			badInput{"two Host headers", "GET / HTTP/1.1\r\nHost: localhost\r\nHost: example.com\r\n\r\n", 400, false},
		),
		strictCheck("content-length-400", "an invalid Content-Length gets 400",
			badInput{"Content-Length: abc", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n", 400, true},
			badInput{"Content-Length: -1", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n", 400, true},
			badInput{"a Content-Length that overflows 64 bits", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400, true},
			badInput{"two different Content-Length values", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, true},
		),
		strictCheck("te-and-cl-400", "Transfer-Encoding together with Content-Length gets 400",
			badInput{"both Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true},
		),
		strictCheck("unknown-te-501", "an unknown transfer coding gets 501",
			badInput{"Transfer-Encoding: x-rot13", "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: x-rot13\r\n\r\n", 501, true},
		),
		strictCheck("control-chars-400", "control characters or a bare CR in a field get 400",
			badInput{"a NUL byte in a header value", "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: a\x00b\r\n\r\n", 400, true},
			badInput{"a bare CR in a header value", "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: a\rb\r\n\r\n", 400, true},
		),
		strictCheck("space-before-colon-400", "whitespace between a field name and its colon gets 400",
			badInput{"\"Host : localhost\"", "GET / HTTP/1.1\r\nHost : localhost\r\n\r\n", 400, true},
		),
		check{stage: 2, strict: true, slug: "chunked-body", name: "a chunked request body is decoded and consumed", read: readBadInput, run: chunkedBody},
		check{stage: 2, strict: true, slug: "expect-100", name: "Expect: 100-continue gets 100 Continue before the body is sent", read: readBadInput, run: expectContinue},
		check{stage: 2, strict: true, slug: "incomplete-no-answer", name: "an incomplete request gets no answer, cut anywhere", read: readBadInput, run: incompleteNoAnswer},
	)
}

// strictCheck makes a check that sends each bad input on its own
// connection, expects its status, then requires a fresh request to be
// served: bad input must never break the server for anyone else.
func strictCheck(slug, name string, cases ...badInput) check {
	return check{stage: 2, strict: true, slug: slug, name: name, read: readBadInput, run: func(t *T) error {
		for _, bc := range cases {
			t.reproduceRaw([]byte(bc.req))
			if err := t.single([]byte(bc.req), want{code: bc.code, closes: bc.closes}); err != nil {
				f := asFailure(err)
				f.Detail = "the request has " + bc.what
				return f
			}
			if err := t.stillServing(); err != nil {
				f := asFailure(err)
				f.Detail = "the request before it had " + bc.what + "; after it the server must still serve others"
				return f
			}
		}
		return nil
	}}
}

// stillServing requires a plain GET / on a new connection to be answered.
func (t *T) stillServing() error {
	return t.single(request("GET", "/", nil, nil), want{code: 200})
}

func chunkedBody(t *T) error {
	word := t.randomWord()
	chunks := fmt.Sprintf("%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n", len(word), word, len(word)+1, word+"!")
	post := []byte("POST /" + t.randomWord() + " HTTP/1.1\r\nHost: localhost:4221\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
	t.reproduceRaw(post)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	hint := "decode every chunk up to the last (0) chunk and its trailer section, so the next request starts where the body ends"
	if _, err := t.exchange(c, post, want{code: 404}); err != nil {
		f := asFailure(err)
		f.Hint = hint
		return f
	}
	echo := t.randomWord()
	if _, err := t.exchange(c, request("GET", "/echo/"+echo, nil, nil), textBody(echo)); err != nil {
		f := asFailure(err)
		f.Detail = "the POST before it, on the same connection, had a chunked body: size lines in hex, each chunk followed by \\r\\n, a 0-size chunk, optional trailers and a blank line"
		f.Hint = hint
		return f
	}
	return nil
}

func expectContinue(t *T) error {
	body := []byte(t.randomWord())
	head := []byte(fmt.Sprintf("POST /%s HTTP/1.1\r\nHost: localhost:4221\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", t.randomWord(), len(body)))
	t.reproduce("curl -i -v --data-binary %s -H 'Expect: 100-continue' http://localhost:%s/nowhere   (curl waits up to a second for 100 Continue)", shellQuote(string(body)), codecraftersPort)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send(head); err != nil {
		return err
	}
	cont := []byte("HTTP/1.1 100 Continue\r\n\r\n")
	if err := t.expectBytes(c, cont, "expected an interim 100 Continue response before sending the body"); err != nil {
		f := asFailure(err)
		f.Hint = "a client that sends Expect: 100-continue waits for HTTP/1.1 100 Continue\\r\\n\\r\\n before it sends the body"
		return f
	}
	if err := c.send(body); err != nil {
		return err
	}
	_, err = t.expectResponse(c, append(head, body...), want{code: 404})
	return err
}

// incompleteNoAnswer sends a request cut at each interesting point, on its
// own connection, all at once: none may be answered within half a second.
// Then it sends the rest, and each must be answered as if whole.
func incompleteNoAnswer(t *T) error {
	word := t.randomWord()
	full := "POST /missing/" + word + " HTTP/1.1\r\nHost: localhost:4221\r\nContent-Length: 5\r\n\r\nhello"
	cuts := []struct {
		where string
		at    string // the request is cut just before the end of this prefix
	}{
		{"inside the method", "PO"},
		{"inside the target", "POST /mis"},
		{"inside the version", "POST /missing/" + word + " HTT"},
		{"before the request line's CRLF", "POST /missing/" + word + " HTTP/1.1"},
		{"inside a header name", "POST /missing/" + word + " HTTP/1.1\r\nHo"},
		{"inside a header value", "POST /missing/" + word + " HTTP/1.1\r\nHost: local"},
		{"before the final CRLF", "POST /missing/" + word + " HTTP/1.1\r\nHost: localhost:4221\r\nContent-Length: 5\r\n"},
		{"inside the body", "POST /missing/" + word + " HTTP/1.1\r\nHost: localhost:4221\r\nContent-Length: 5\r\n\r\nhel"},
	}
	host, port := t.reproAddr()
	t.reproduce("printf %s | nc %s %s   (no -N: nc keeps the connection open, and the server should say nothing)", printfQuote([]byte(cuts[3].at)), host, port)
	return inParallel(len(cuts), func(i int) error {
		cut := cuts[i]
		c, err := t.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.send([]byte(cut.at)); err != nil {
			return err
		}
		if err := c.expectSilence(500 * time.Millisecond); err != nil {
			return &failure{
				Summary: err.Error(),
				Detail:  "the request was cut " + cut.where + "; the rest had not been sent",
				Sent:    []byte(cut.at), Got: c.got,
				Hint: "a request is complete only after the blank line that ends its headers and Content-Length body bytes; until then, keep reading",
			}
		}
		rest := []byte(full[len(cut.at):])
		if err := c.send(rest); err != nil {
			return err
		}
		// No stage has a /missing/ route: the whole request must now get 404.
		if _, err := t.expectResponse(c, []byte(full), want{code: 404}); err != nil {
			f := asFailure(err)
			f.Detail = "the request was sent in two parts, cut " + cut.where + "; after the second part it is complete"
			return f
		}
		return nil
	})
}
