package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// badInput is one malformed or hostile request and the answers it may get.
type badInput struct {
	what    string   // how the request is wrong, for the report
	req     string   // the request, exactly as sent
	repro   string   // a shell command that generates req, when it is too long to print
	answers []answer // the preferred answer first, then the other legal ones
}

// answer is one legal answer to a bad input. The first of a case's answers
// is the one the card and the reference give; any other is accepted with
// the advice that says why the first is preferred.
type answer struct {
	want
	section   string   // the rule behind the answer, cited when it is not met
	advice    *warning // nil for the preferred answer
	hint      string   // replaces a failed step's own hint, when set
	closeHint string   // the hint when a close that is due does not come
}

// refuse is the answer of the cards to most bad input: code, and the close
// when the framing is lost, under the rule in section.
func refuse(code int, closes bool, section string) answer {
	a := answer{want: want{code: code}, section: section}
	a.closes = closes
	a.closeAdvised = !closes
	return a
}

// The bad inputs that both the parser's own checks (stage 2) and the check
// that its refusals are JSON (stage 5) send.
var (
	noVersion = badInput{what: "a request line without a version", req: "GET /\r\nHost: localhost\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §3")}}

	http2Version = badInput{what: "HTTP/2.0 in the request line", req: "GET / HTTP/2.0\r\nHost: localhost\r\n\r\n", answers: []answer{refuse(505, false, "RFC 9110 §15.6.6")}}

	unknownCoding = badInput{what: "Transfer-Encoding: x-rot13", req: "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: x-rot13\r\n\r\n", answers: []answer{
		refuse(501, true, "RFC 9112 §6.3"),
		{want: want{code: 400, closes: true}, section: "RFC 9112 §6.3", advice: &warning{
			Summary: "the unknown transfer coding was refused with 400 Bad Request",
			Section: "RFC 9112 §6.1",
			Why:     "400 is allowed (RFC 9112 §6.3), but a server should answer 501, which says that it lacks the coding; the card's reference does",
		}},
	}}
)

func init() {
	register(headChecks...)
	register(framingChecks...)
}

// headChecks are the strict checks of the request line and of the header
// section as a whole: their syntax, the version, the size and Host.
var headChecks = []check{
	strictCheck("bad-request-line", "a malformed request line gets 400 and the connection closes", []string{
		"Look at how your parser splits the request line: the tester sends one without a version, one with two spaces, one with four words, and the first bytes of a TLS handshake.",
		"The parser probably accepts any line it manages to split, is lenient about spaces, or crashes on bytes that are not text.",
		"Require exactly three parts separated by single spaces (a method, a target, and HTTP/ with a version); otherwise answer 400 Bad Request and close the connection.",
	},
		noVersion,
		badInput{what: "two spaces between method and target", req: "GET  / HTTP/1.1\r\nHost: localhost\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §3")}},
		badInput{what: "a fourth word in the request line", req: "GET / HTTP/1.1 please\r\nHost: localhost\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §3")}},
		badInput{what: "a TLS handshake sent to a plain-text port", req: "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §3")}},
	),
	strictCheck("bad-header-line", "a header line without a colon gets 400", []string{
		"Look at how your parser splits a header line at its colon: the tester sends a line that has none.",
		"The line is probably skipped without a word, or it makes the parser fail in a way that answers nothing.",
		"Answer 400 Bad Request as soon as a header line has no colon, and go on serving other connections.",
	},
		badInput{what: "a header line without a colon", req: "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent curl\r\n\r\n", answers: []answer{refuse(400, false, "RFC 9112 §5")}},
	),
	strictCheck("version-505", "HTTP/2.0 gets 505; HTTP/1.2 is served as HTTP/1.1", []string{
		"Look at how your parser reads the version at the end of the request line: the tester sends HTTP/2.0, then HTTP/1.2.",
		"The server probably accepts any version, or refuses every version that is not exactly HTTP/1.1.",
		"Read the major and minor digits: a major version of 1 is served (as HTTP/1.1, whatever the minor), and any other major gets 505 HTTP Version Not Supported.",
	},
		http2Version,
		badInput{what: "HTTP/1.2 in the request line", req: "GET / HTTP/1.2\r\nHost: localhost\r\n\r\n", answers: []answer{
			{want: want{code: 200}, section: "RFC 9110 §2.5"},
			{want: want{code: 505}, advice: &warning{
				Summary: "HTTP/1.2 was refused with 505 HTTP Version Not Supported",
				Section: "RFC 9110 §2.5",
				Why:     "a server should serve a request of a later HTTP/1 minor version as the highest it speaks, 1.1, since minor versions are compatible",
			}},
		}},
	),
	check{stage: 2, strict: true, slug: "header-too-large-431", name: "a 9 KiB header section gets 431 (or is served), a 2 MiB one is never served", read: readBadInput, run: headerTooLarge, hints: []string{
		"Look at how much of a request's header section your server keeps in memory: the tester sends 9 KiB of Cookie, then 2 MiB.",
		"The server probably appends whatever arrives until it sees the blank line, with no limit, so that one client can make it hold any amount of memory.",
		"Count the header section's bytes as you read them and, past a limit (8 KiB is usual), answer 431 Request Header Fields Too Large and close the connection.",
	}},
	strictCheck("host-400", "a missing or repeated Host gets 400", []string{
		"Look at how your server checks the Host header: the tester sends an HTTP/1.1 request without one, then one with two.",
		"The server probably ignores Host altogether, or keeps the last of two values.",
		"An HTTP/1.1 request carries exactly one Host header: count them while you parse the headers, and answer 400 Bad Request to none or to more than one.",
	},
		badInput{what: "an HTTP/1.1 request without Host", req: "GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n", answers: []answer{{want: want{code: 400}, section: "RFC 9112 §3.2"}}},
		badInput{what: "two Host headers", req: "GET / HTTP/1.1\r\nHost: localhost\r\nHost: example.com\r\n\r\n", answers: []answer{{want: want{code: 400}, section: "RFC 9112 §3.2"}}},
	),
}

// framingChecks are the strict checks of where a request ends: the body's
// length and coding, the bytes in a field that a proxy could read another
// way, and the waits around a body (Expect, a request cut short).
var framingChecks = []check{
	strictCheck("content-length-400", "an invalid Content-Length gets 400", []string{
		"Look at how your server turns Content-Length into a number: the tester sends abc, -1, a number too large for 64 bits, and two different values.",
		"A lenient conversion (C's atoi gives 0 for abc, a signed parse takes -1, a large number wraps) or keeping the last of two headers makes the server read the wrong length of body.",
		"Accept digits only, refuse a value that overflows, and refuse repeated values that differ: answer 400 Bad Request and close, since where the body ends is unknown.",
	},
		badInput{what: "Content-Length: abc", req: "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §6.3")}},
		badInput{what: "Content-Length: -1", req: "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §6.3")}},
		badInput{what: "a Content-Length that overflows 64 bits", req: "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999999\r\n\r\n", answers: []answer{refuse(400, true, "RFC 9112 §6.3")}},
		badInput{what: "two different Content-Length values", req: "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", answers: []answer{refuse(400, true, "RFC 9112 §6.3")}},
	),
	strictCheck("te-and-cl-400", "Transfer-Encoding with Content-Length gets 400 or is read as chunked, and the connection closes", []string{
		"Look at what your server does with a request that has both Transfer-Encoding and Content-Length.",
		"The server probably frames the body by Content-Length, or keeps the connection open after answering; a proxy in front of it may have framed the same bytes the other way (request smuggling).",
		"Answer 400 Bad Request (or read the body as chunked and ignore Content-Length), and in either case close the connection after the answer.",
	},
		badInput{what: "both Transfer-Encoding and Content-Length", req: "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", answers: teAndCL()},
	),
	strictCheck("unknown-te-501", "an unknown transfer coding gets 501", []string{
		"Look at what your server does with a Transfer-Encoding other than chunked: the tester sends x-rot13.",
		"The server probably ignores the header and reads no body, though it cannot know where this request ends.",
		"Answer 501 Not Implemented to a transfer coding you do not know, and close the connection, since the end of the body cannot be found.",
	},
		unknownCoding,
	),
	strictCheck("control-chars-400", "control characters or a bare CR in a field get 400, or are replaced by spaces", []string{
		"Look at which bytes your parser accepts inside a header value: the tester sends a NUL byte, then a CR that no LF follows.",
		"The server probably passes the value on as it came, or takes a CR alone for the end of a line.",
		"Check each byte of a field value: refuse a NUL, or a CR not followed by LF, with 400 Bad Request (or replace each such byte by a space before using the value).",
	},
		controlChars("a NUL byte in a header value", "a\x00b"),
		controlChars("a bare CR in a header value", "a\rb"),
	),
	strictCheck("space-before-colon-400", "whitespace between a field name and its colon gets 400", []string{
		`Look at how your parser finds a header's name: the tester sends "Host : localhost", with a space before the colon.`,
		`The name is probably trimmed, so that "Host " becomes Host and the request is served.`,
		"No whitespace may come between a field name and its colon: answer 400 Bad Request rather than trimming the name.",
	},
		badInput{what: "\"Host : localhost\"", req: "GET / HTTP/1.1\r\nHost : localhost\r\n\r\n", answers: []answer{refuse(400, false, "RFC 9112 §5.1")}},
	),
	check{stage: 2, strict: true, slug: "chunked-body", name: "a chunked request body is decoded and consumed", read: readBadInput, run: chunkedBody, hints: []string{
		"Look at how your server reads a body sent with Transfer-Encoding: chunked, which has no Content-Length.",
		"The body is probably not read at all, so the chunks are parsed as the next request; or the size is read as decimal rather than hex, or the extension (;ext=1) and the trailer line are not skipped.",
		`Loop: read a line, take the hex number before any ';' as the size, read that many bytes and the \r\n after them; after the size 0, read trailer lines up to an empty one.`,
	}},
	check{stage: 2, strict: true, slug: "expect-100", name: "Expect: 100-continue gets 100 Continue, or the final status at once", read: readBadInput, run: expectContinue, hints: []string{
		"Look at what your server sends after the headers of a request with Expect: 100-continue: the client holds the body back until it hears from the server.",
		"The server probably waits for the body before it sends anything, while the client waits for the server, until one of them gives up.",
		`When a request carries Expect: 100-continue, write HTTP/1.1 100 Continue\r\n\r\n at once, then read the body and send the final answer as usual.`,
	}},
	check{stage: 2, strict: true, slug: "incomplete-no-answer", name: "an incomplete request gets no answer, cut anywhere", read: readBadInput, run: incompleteNoAnswer, hints: []string{
		"Look at what your server does when the bytes read so far end in the middle of a request: the tester cuts requests at eight places, and waits before it sends the rest.",
		"The parser probably takes the end of what it has read for the end of the request, and answers (often 400) too early.",
		"Answer only once a request is complete, the blank line after the headers and all Content-Length bytes of the body read; until then, keep reading.",
	}},
}

// teAndCL are the answers to a request with both Transfer-Encoding and
// Content-Length: 400, or the request read as chunked, and either way the
// close, which RFC 9112 §6.1 requires. Go's net/http keeps the connection
// open, and fails here for that reason.
func teAndCL() []answer {
	closeHint := "close the connection after answering: a proxy in front of the server may have framed this request by its Content-Length, so nothing that follows on the connection can be trusted (request smuggling); Go's net/http keeps it open, and fails this check for that reason"
	return []answer{
		{want: want{code: 400, closes: true}, section: "RFC 9112 §6.1", closeHint: closeHint},
		{want: want{code: 0, closes: true}, section: "RFC 9112 §6.1", closeHint: closeHint, advice: &warning{
			Summary: "the request with both Transfer-Encoding and Content-Length was read as chunked, not refused",
			Section: "RFC 9112 §6.1",
			Why:     "a server may read it by its chunked coding, but the card's reference refuses it with 400, the safer answer to a request shaped for smuggling",
		}},
	}
}

// controlChars is a User-Agent holding value, a NUL or a bare CR: refused
// with 400, or served with each such byte replaced by a space, the two
// answers RFC 9110 §5.5 allows.
func controlChars(what, value string) badInput {
	replaced := strings.NewReplacer("\x00", " ", "\r", " ").Replace(value)
	served := answer{want: textBody(replaced), section: "RFC 9110 §5.5",
		hint: "a NUL or a bare CR in a field value must be refused with 400, or replaced by a space before the value is used",
		advice: &warning{
			Summary: "the control character in the field value was replaced by a space, and the request served",
			Section: "RFC 9110 §5.5",
			Why:     "a server may replace a NUL, CR or LF in a field value by a space instead of refusing the request; the card's reference refuses it with 400",
		}}
	return badInput{what: what, req: "GET /user-agent HTTP/1.1\r\nHost: localhost\r\nUser-Agent: " + value + "\r\n\r\n",
		answers: []answer{refuse(400, false, "RFC 9110 §5.5"), served}}
}

// strictCheck makes a check that sends each bad input on its own
// connection, expects one of its answers, then requires a fresh request to
// be served: bad input must never break the server for anyone else.
func strictCheck(slug, name string, hints []string, cases ...badInput) check {
	return check{stage: 2, strict: true, slug: slug, name: name, read: readBadInput, hints: hints, run: func(t *T) error {
		return t.badInputs(cases)
	}}
}

// badInputs tries each case in turn, then checks that the server still
// serves a new connection.
func (t *T) badInputs(cases []badInput) error {
	for _, bc := range cases {
		if err := t.badInput(bc); err != nil {
			return annotate(err, "the request has "+bc.what, "")
		}
		if err := t.stillServing(); err != nil {
			return annotate(err, "the request before it had "+bc.what+"; after it the server must still serve others", "")
		}
	}
	return nil
}

// badInput sends one bad input and checks the answer against the one of
// its answers that has the status received, or the preferred one.
func (t *T) badInput(bc badInput) error {
	req := []byte(bc.req)
	var codes []int
	for _, a := range bc.answers {
		if a.code == 0 {
			codes = nil // any status is legal
			break
		}
		codes = append(codes, a.code)
	}
	if bc.repro != "" {
		t.reproduceHTTP(bc.repro, codes...)
	} else {
		t.reproduceRaw(req, codes...)
	}
	c, resp, err := t.ask(req)
	defer c.Close()
	if err != nil {
		return err
	}
	a := bc.pick(resp.code)
	if a.advice != nil {
		if err := t.adviseAbout(req, resp, *a.advice); err != nil {
			return err
		}
	}
	return a.explain(t.checkResponse(c, req, resp, a.want))
}

// pick returns the answer that has code, else the preferred one.
func (bc badInput) pick(code int) answer {
	for _, a := range bc.answers {
		if a.code == code || a.code == 0 {
			return a
		}
	}
	return bc.answers[0]
}

// explain gives a failed answer the rule it broke and the hint it knows.
func (a answer) explain(err error) error {
	if err == nil {
		return nil
	}
	f := asFailure(err)
	if f.Section == "" || f.Section == "RFC 9112 §9.6" {
		f.Section = a.section
	}
	switch {
	case a.closeHint != "" && errors.Is(err, errStillOpen):
		f.Summary = "the connection stayed open after the answer, which must close it (" + f.Summary + ")"
		f.Hint = a.closeHint
	case a.closes && errors.Is(err, errStillOpen):
		f.Hint = "after this answer the server cannot tell where a next request would start: close the connection"
	case a.hint != "":
		f.Hint = a.hint
	}
	return f
}

// stillServing requires a plain GET / on a new connection to be answered.
func (t *T) stillServing() error {
	return t.single(request("GET", "/", nil, nil), want{code: 200})
}

// headerTooLarge sends a 9 KiB header section, which a server may refuse
// with 431 (the card's 8 KiB limit) or serve (net/http allows 1 MiB), then a
// 2 MiB one, which it must not serve.
func headerTooLarge(t *T) error {
	nineK := badInput{what: "a 9 KiB Cookie header", req: "GET / HTTP/1.1\r\nHost: localhost\r\nCookie: " + strings.Repeat("a=b; ", 9*1024/5) + "\r\n\r\n",
		repro: t.cookieLine(9 * 1024 / 5),
		answers: []answer{
			{want: want{code: 431}, section: "RFC 9110 §5.4"},
			{want: want{code: 200}, section: "RFC 9110 §5.4", advice: &warning{
				Summary: "a 9 KiB header section was served",
				Section: "RFC 9110 §5.4",
				Why:     "how much header a server accepts is its own choice (net/http takes 1 MiB); the card's reference refuses more than 8 KiB with 431",
			}},
			{want: want{code: 400}, section: "RFC 9110 §5.4", advice: &tooLargeNot431},
		}}
	if err := t.badInputs([]badInput{nineK}); err != nil {
		return err
	}
	if err := t.hugeHeader(); err != nil {
		return annotate(err, "the request has a 2 MiB Cookie header; the first 4 KiB are shown", "")
	}
	return annotate(t.stillServing(), "the request before it had a 2 MiB Cookie header; after it the server must still serve others", "")
}

// tooLargeNot431 is the warning for a header section refused with another
// 4xx than 431, which RFC 9110 §5.4 allows.
var tooLargeNot431 = warning{
	Summary: "a header section too large for the server was refused with another status than 431",
	Section: "RFC 6585 §5",
	Why:     "any 4xx refuses it (RFC 9110 §5.4); 431 Request Header Fields Too Large says why, and the card's reference sends it",
}

// cookieLine is the shell command that sends GET / with a Cookie header of
// n times "a=b; ", generated rather than pasted.
func (t *T) cookieLine(n int) string {
	host, port := t.reproAddr()
	return fmt.Sprintf(`{ printf 'GET / HTTP/1.1\r\nHost: localhost\r\nCookie: '; printf '%%.0sa=b; ' $(seq %d); printf '\r\n\r\n'; } | nc -N %s %s`, n, host, port)
}

// hugeHeader sends a header section far past any sane limit. 431 or 400
// pass, another 4xx with a warning, and so does a close or a reset without
// an answer; anything else fails: RFC 9110 §5.4 requires a 4xx, and a
// server that buffers whatever it is sent lets one client take all its
// memory. The tester writes from another goroutine under
// a deadline, so a server that stopped reading cannot block it.
func (t *T) hugeHeader() error {
	const n = (2 << 20) / 5
	req := []byte("GET / HTTP/1.1\r\nHost: localhost\r\nCookie: " + strings.Repeat("a=b; ", n) + "\r\n\r\n")
	shown := req[:4096]
	t.reproduceHTTP(t.cookieLine(n), 431, 400)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	sent := c.sendInBackground(req, 2*t.timeout)
	resp, err := t.readFinal(c, shown, false)
	c.Close() // unblocks the writer if the server stopped reading
	<-sent
	switch {
	case resp != nil && (resp.code == 431 || resp.code == 400):
		return withExchange(t.expectStatus(resp, want{code: resp.code}), shown, resp.raw)
	case resp != nil && resp.code/100 == 4:
		return t.adviseAbout(shown, resp, tooLargeNot431)
	case resp != nil:
		return &failure{Summary: fmt.Sprintf("a 2 MiB header section was answered %s", quote([]byte(resp.statusLine()))),
			Section: "RFC 9110 §5.4", Sent: shown, Got: resp.raw,
			Hint: "limit the header section (the reference allows 8 KiB) and answer 431 beyond it, or close: a server that buffers whatever it is sent can be made to hold any amount of memory"}
	case errors.Is(err, errClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return nil // closed without an answer: refused all the same
	}
	return err
}
