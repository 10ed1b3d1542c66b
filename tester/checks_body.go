package main

import (
	"fmt"
	"time"
)

func chunkedBody(t *T) error {
	word := t.randomWord()
	chunks := fmt.Sprintf("%x\r\n%s\r\n%x;ext=1\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n", len(word), word, len(word)+1, word+"!")
	post := []byte("POST /" + t.randomWord() + " HTTP/1.1\r\nHost: localhost:4221\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
	t.reproduceRaw(post, 404)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	hint := "decode every chunk up to the last (0) chunk and its trailer section, so the next request starts where the body ends"
	if _, err := t.exchange(c, post, want{code: 404}); err != nil {
		return annotate(err, "", hint)
	}
	echo := t.randomWord()
	_, err = t.exchange(c, request("GET", "/echo/"+echo, nil, nil), textBody(echo))
	return annotate(err, "the POST before it, on the same connection, had a chunked body: size lines in hex, each chunk followed by \\r\\n, a 0-size chunk, optional trailers and a blank line", hint)
}

// expectContinue sends a request head with Expect: 100-continue and holds
// its body back. 100 Continue, then the final answer once the body is in, is
// what the card asks; the final status at once is allowed too (RFC 9110
// §10.1.1), with a warning.
func expectContinue(t *T) error {
	body := []byte(t.randomWord())
	path := "/" + t.randomWord()
	head := []byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost:4221\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", path, len(body)))
	t.reproduceHTTP(fmt.Sprintf("curl -i -v --data-binary %s -H 'Expect: 100-continue' %s   # curl waits up to a second for 100 Continue", shellQuote(string(body)), t.reproURL(path)), 404)
	c, err := t.dialAndSend(head)
	defer c.Close()
	if err != nil {
		return err
	}
	first, err := t.readAnswer(c, head, false, true)
	if err != nil {
		return annotate(err, "", "a client that sends Expect: 100-continue waits for HTTP/1.1 100 Continue\\r\\n\\r\\n before it sends the body")
	}
	if first.code != 100 {
		return t.finalAtOnce(c, head, body, first)
	}
	if err := t.expectStatus(first, want{code: 100}); err != nil {
		return withExchange(err, head, first.raw)
	}
	if err := c.send(body); err != nil {
		return err
	}
	_, err = t.expectResponse(c, append(head, body...), want{code: 404})
	return err
}

// finalAtOnce checks a final status sent before the body. If the server
// says it closes, the tester does as curl does, sends no body and closes its
// side, and the server must then close too (a server may wait for the body
// it announced, as net/http does); if not, the server must read the body,
// which the client then sends, and serve the next request.
func (t *T) finalAtOnce(c *conn, head, body []byte, resp *response) error {
	if err := t.adviseAbout(head, resp, warning{
		Summary: fmt.Sprintf("the server answered %s at once, without 100 Continue", quote([]byte(resp.statusLine()))),
		Section: "RFC 9110 §10.1.1",
		Why:     "a server may send the final status before the body, which spares the client sending it; the card's reference sends 100 Continue and reads the body",
	}); err != nil {
		return err
	}
	if hasToken(resp.header("Connection"), "close") {
		if err := t.checkResponse(c, head, resp, want{code: 404, more: true}); err != nil {
			return err
		}
		if err := c.closeWrite(); err != nil {
			return err
		}
		return withExchange(t.expectClose(c, resp, true), head, resp.raw)
	}
	if err := t.checkResponse(c, head, resp, want{code: 404, more: true}); err != nil {
		return err
	}
	if err := c.send(body); err != nil {
		return err
	}
	echo := t.randomWord()
	_, err := t.exchange(c, request("GET", "/echo/"+echo, nil, nil), textBody(echo))
	return annotate(err, "the server answered the POST before its body and kept the connection; the body followed, then this GET",
		"a server that answers before the body and keeps the connection must still read the body, and drop it, before the next request")
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
	t.reproduce("printf %s | nc -w 2 %s %s   # prints nothing: nc keeps the connection open 2 s, and the server waits for the rest", printfQuote([]byte(cuts[3].at)), host, port)
	return inParallel(len(cuts), func(i int) error {
		cut := cuts[i]
		c, err := t.dialAndSend([]byte(cut.at))
		defer c.Close()
		if err != nil {
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
		if err := c.send([]byte(full[len(cut.at):])); err != nil {
			return err
		}
		// No stage has a /missing/ route: the whole request must now get 404.
		_, err = t.expectResponse(c, []byte(full), want{code: 404})
		return annotate(err, "the request was sent in two parts, cut "+cut.where+"; after the second part it is complete", "")
	})
}
