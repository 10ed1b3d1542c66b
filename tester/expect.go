package main

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// want is what a check expects of one response. Each field is checked by
// one step of checkResponse, whose comment names the authority it rests on.
type want struct {
	code         int               // the status; 0 accepts any final status
	headers      map[string]string // exact values, names case-insensitive; "" means absent
	body         []byte            // checked when checkBody is set
	checkBody    bool
	closes       bool // the server must close after this response
	closeAdvised bool // the card has the server close, where the RFCs leave it open
	head         bool // the request was HEAD: no body follows
	more         bool // more responses follow on the connection: skip the leftover check
	jsonError    bool // a refusal (4xx, 5xx) must carry stage 5's JSON error body
}

// closeGrace is how long a server may take to close after a response that
// says Connection: close. CodeCrafters waits 1 ms, which fails correct
// servers that close a moment later; a second is generous and still quick.
const closeGrace = time.Second

// maxInterim bounds how many 1xx answers the tester skips before a final
// response, so that a server sending them for ever cannot hold it.
const maxInterim = 8

// exchange sends req on c, reads one response and checks it against w. It
// returns the response for further checks.
func (t *T) exchange(c *conn, req []byte, w want) (*response, error) {
	if err := c.send(req); err != nil {
		return nil, err
	}
	return t.expectResponse(c, req, w)
}

// ask sends req on a new connection and reads the final response, whatever
// its status, for checks that judge the status themselves. The caller
// closes the connection, which is never nil.
func (t *T) ask(req []byte) (*conn, *response, error) {
	c, err := t.dialAndSend(req)
	if err != nil {
		return c, nil, err
	}
	resp, err := t.readFinal(c, req, false)
	return c, resp, err
}

// expectResponse reads the final response to req, already sent, and checks
// it against w.
func (t *T) expectResponse(c *conn, req []byte, w want) (*response, error) {
	c.expected = len(w.body) // how much of a body to read: bodyLimit
	resp, err := t.readFinal(c, req, w.head)
	c.expected = 0
	if err != nil {
		return resp, err
	}
	return resp, t.checkResponse(c, req, resp, w)
}

// checkResponse checks a response already read, as a short sequence of
// steps that each explain their own failure: the status line, the
// Content-Encoding (which explains a body that looks wrong), the body (which
// explains a wrong Content-Length), the other headers, and last what follows
// the message on the connection.
func (t *T) checkResponse(c *conn, req []byte, resp *response, w want) error {
	if t.cc == ccJudging {
		return t.ccCheckResponse(c, req, resp, w)
	}
	steps := []func(*T, *response, want) error{
		(*T).expectStatus,
		(*T).expectEncoding,
		(*T).expectBody,
		(*T).expectHeaders,
		(*T).expectErrorShape,
	}
	for _, step := range steps {
		if err := step(t, resp, w); err != nil {
			return withExchange(err, req, resp.raw)
		}
	}
	return withExchange(t.expectEnd(c, resp, w), req, resp.raw)
}

// withExchange gives a failure the bytes sent and received, unless the step
// chose others to show.
func withExchange(err error, sent, got []byte) error {
	if err == nil {
		return nil
	}
	f := asFailure(err)
	if f.Sent == nil {
		f.Sent = sent
	}
	if f.Got == nil {
		f.Got = got
	}
	return f
}

// readFinal reads the next final response. Interim 1xx answers before it
// are skipped, with a note under -v: a client must accept them even when it
// did not ask (RFC 9110 §15.2), such as 103 Early Hints.
func (t *T) readFinal(c *conn, req []byte, toHead bool) (*response, error) {
	return t.readAnswer(c, req, toHead, false)
}

// readAnswer is readFinal that, when want100 is set, also stops at a
// 100 Continue: the answer a request with Expect: 100-continue waits for.
func (t *T) readAnswer(c *conn, req []byte, toHead, want100 bool) (*response, error) {
	for i := 0; ; i++ {
		resp, err := t.readResponse(c, toHead)
		if err != nil {
			var got []byte
			if resp != nil {
				got = resp.raw
			}
			return resp, readFailure(err, req, got)
		}
		if !isInterim(resp) || (want100 && resp.code == 100) || i == maxInterim {
			return resp, nil
		}
		t.note("skipped the interim response %s (RFC 9110 §15.2: a client must accept 1xx answers it did not ask for)", quote([]byte(resp.statusLine())))
	}
}

// isInterim reports whether r is a 1xx answer that a final one follows;
// 101 Switching Protocols is final on an HTTP/1.1 connection.
func isInterim(r *response) bool { return r.code/100 == 1 && r.code != 101 }

// readFailure explains a response that could not be read at all.
func readFailure(err error, req, got []byte) error {
	f := asFailure(err)
	f.Summary = strings.TrimPrefix(f.Summary, errNoResponse.Error()+": ")
	f.Sent, f.Got = req, got
	if len(req) > 0 && bytes.HasPrefix(got, req[:min(len(req), 16)]) {
		f.Hint = "the server sent the request back: from stage 2 on it must answer with an HTTP response, starting with a status line such as HTTP/1.1 200 OK"
	}
	return f
}

// expectStatus checks the status line. The code is what the check exists to
// prove, and the version must be HTTP/1.1, since an HTTP/1.0 answer tells the
// client that the connection ends with it (RFC 9112 §9.3). The reason phrase
// is advice: a client ignores it (RFC 9112 §4).
func (t *T) expectStatus(r *response, w want) error {
	if r.version != "HTTP/1.1" || (w.code != 0 && r.code != w.code) {
		code := w.code
		if code == 0 {
			code = r.code
		}
		wantLine := statusLine(code)
		return &failure{
			Summary: fmt.Sprintf("expected the status line %s, got %s", strconv.Quote(wantLine+"\r\n"), strconv.Quote(r.statusLine()+"\r\n")),
			Diff:    describeDiff([]byte(wantLine), []byte(r.statusLine())),
			Hint:    statusHint(code, r),
		}
	}
	if phrase, ok := reasonPhrases[r.code]; ok && r.reason != phrase {
		return t.advise(warning{
			Summary: fmt.Sprintf("the status line %s has another reason phrase than RFC 9110's %s", strconv.Quote(r.statusLine()), strconv.Quote(statusLine(r.code))),
			Section: "RFC 9112 §4",
			Why:     "a client ignores the reason phrase, so any text is correct; CodeCrafters' tester compares it exactly",
		})
	}
	return nil
}

// statusLine is the status line the cards use for code, without its CRLF.
func statusLine(code int) string {
	return fmt.Sprintf("HTTP/1.1 %d %s", code, reasonPhrases[code])
}

// statusHint suggests what a wrong status means, from the two codes.
func statusHint(want int, r *response) string {
	switch {
	case r.version != "HTTP/1.1":
		return "answer with HTTP/1.1 in the status line: an HTTP/1.0 answer tells the client that the connection closes after it (RFC 9112 §9.3)"
	case want == 404 && r.code == 200:
		return "a path that no route matches gets 404 Not Found, not a default 200"
	case want/100 == 4 && r.code/100 == 2:
		return fmt.Sprintf("this request is not one to serve (see what was sent): refuse it with %s", statusLine(want)[9:])
	case want == 414:
		return "a request line that outgrows the head's limit while its target is being read gets 414 URI Too Long (RFC 9112 §3): tell which part of the line was still arriving when the limit was hit, and keep 431 for the header fields"
	case want == 501 && r.code/100 == 4:
		return "a method longer than any the server implements gets 501 Not Implemented (RFC 9112 §3), however long it is"
	case want/100 == 2 && r.code == 404:
		return "no route answered this method and path: add the route the card's Tests section describes"
	}
	return fmt.Sprintf("the card's Tests section says why this request gets %s", statusLine(want)[9:])
}

// expectEncoding checks Content-Encoding first, where the check names it:
// gzip is the very thing the gzip check exists to prove.
func (t *T) expectEncoding(r *response, w want) error {
	value, ok := w.headers["Content-Encoding"]
	if !ok {
		return nil
	}
	return expectHeader(r, "Content-Encoding", value)
}

// expectBody checks the body byte for byte: the routed answer, the file's
// bytes, what the check exists to prove.
func (t *T) expectBody(r *response, w want) error {
	if !w.checkBody || bytes.Equal(r.body, w.body) {
		return nil
	}
	return &failure{
		Summary: fmt.Sprintf("expected a %d-byte body %s, got %d bytes %s", len(w.body), quote(around(w.body, 0, 40)), len(r.body), quote(around(r.body, 0, 40))),
		Diff:    describeDiff(w.body, r.body),
		Hint:    bodyHint(w.body, r.body),
	}
}

// bodyHint names the usual causes of a wrong body.
func bodyHint(want, got []byte) string {
	switch {
	case bytes.Equal(got, append(append([]byte(nil), want...), '\r')):
		return "the value kept the \\r of its line's \\r\\n: cut each line at \\r\\n, not at \\n"
	case bytes.HasPrefix(got, want):
		return "the body has bytes after the expected ones: write exactly the body, and nothing after it"
	case bytes.HasPrefix(want, got):
		return "the body stops short: write all of it (a write may take only part of a buffer)"
	}
	return "compare the body byte for byte with what the card's Tests section says this request answers"
}

// expectHeaders checks the headers the check names, other than
// Content-Encoding. A value the check names is required, with one
// exception: a missing Content-Length where the RFCs allow another framing
// (chunked, or the close) or none (HEAD) is a warning.
func (t *T) expectHeaders(r *response, w want) error {
	names := make([]string, 0, len(w.headers))
	for name := range w.headers {
		if !strings.EqualFold(name, "Content-Encoding") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		value := w.headers[name]
		if strings.EqualFold(name, "Content-Length") && value != "" && len(r.header(name)) == 0 {
			if err := t.advise(missingLength(r, w, value)); err != nil {
				return err
			}
			continue
		}
		if err := expectHeader(r, name, value); err != nil {
			return err
		}
	}
	return nil
}

// missingLength is the warning for a response framed without the
// Content-Length the card asks for.
func missingLength(r *response, w want, value string) warning {
	switch {
	case w.head:
		return warning{
			Summary: "the response to HEAD has no Content-Length; GET's says Content-Length: " + value,
			Section: "RFC 9110 §9.3.2",
			Why:     "a server may leave out of a HEAD answer the headers it only knows by generating the body; the card's reference sends GET's Content-Length",
		}
	case r.closeDelimited:
		return warning{
			Summary: "the response has no Content-Length: its body ended when the server closed the connection",
			Section: "RFC 9112 §6.3",
			Why:     "a body may end with the close, but then the connection cannot serve another request; the card sends Content-Length: " + value,
		}
	}
	return warning{
		Summary: "the response has no Content-Length: its body came in chunked coding",
		Section: "RFC 9112 §6.1",
		Why:     "chunked coding is correct HTTP/1.1; the card sends Content-Length: " + value + ", which CodeCrafters' tester needs",
	}
}

// expectHeader requires one header to have the value given, "" meaning
// that it must be absent.
func expectHeader(r *response, name, wantValue string) error {
	got := r.header(name)
	f := &failure{Hint: headerHint(r, name, wantValue)}
	switch {
	case wantValue == "" && len(got) > 0:
		f.Summary = fmt.Sprintf("expected no %s header, got %s: %s", name, name, got[0])
	case wantValue == "":
		return nil
	case len(got) == 0:
		f.Summary = fmt.Sprintf("expected the header %s: %s, but the response has no %s header", name, wantValue, name)
	case len(got) > 1:
		f.Summary = fmt.Sprintf("expected one %s header, got %d", name, len(got))
	case !headerValueMatches(name, wantValue, got[0]):
		f.Summary = fmt.Sprintf("expected %s: %s, got %s: %s", name, wantValue, name, got[0])
		f.Diff = describeDiff([]byte(wantValue), []byte(got[0]))
	default:
		return nil
	}
	if strings.EqualFold(name, "Content-Length") && r.code == 204 {
		f.Section = "RFC 9110 §8.6"
	}
	return f
}

// headerHint says what a header the check names is for.
func headerHint(r *response, name, wantValue string) string {
	switch strings.ToLower(name) {
	case "content-length":
		if r.code == 204 {
			return "RFC 9110 §8.6: a server must not send Content-Length in a 204 response"
		}
		return "Content-Length is the number of bytes in the body (for HEAD, in the body GET would send), counted after any compression"
	case "content-type":
		return "set Content-Type: " + wantValue + " on this response; parameters such as ; charset=utf-8 are fine"
	case "content-encoding":
		if wantValue == "" {
			return "the request does not accept gzip (see its Accept-Encoding): send the body as it is, without Content-Encoding"
		}
		return "the request accepts gzip (see its Accept-Encoding): compress the body and say Content-Encoding: gzip"
	}
	return "the card's Tests section lists the headers this response needs"
}

// headerValueMatches compares a header value as the field's grammar allows:
// media types ignore parameters such as charset and case, tokens ignore case.
func headerValueMatches(name, wantValue, got string) bool {
	switch strings.ToLower(name) {
	case "content-type":
		mt, _, _ := strings.Cut(got, ";")
		return strings.EqualFold(strings.TrimSpace(mt), wantValue)
	case "connection", "content-encoding", "transfer-encoding":
		return strings.EqualFold(got, wantValue)
	}
	return got == wantValue
}

// hasToken reports whether a comma-separated header (Connection, Vary)
// names token, compared without regard to case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// expectEnd checks what follows the message on the connection: the close
// that the request or the RFCs call for, or else nothing at all.
func (t *T) expectEnd(c *conn, r *response, w want) error {
	switch {
	case w.closes || w.closeAdvised:
		return t.expectClose(c, r, w.closes)
	case w.more:
		return nil
	}
	if extra := c.extra(50 * time.Millisecond); len(extra) > 0 {
		return &failure{
			Summary: fmt.Sprintf("after the response, %d more bytes arrived that belong to no response", len(extra)),
			Got:     append(append([]byte(nil), r.raw...), extra...),
			Diff:    fmt.Sprintf("the extra bytes start %s", quote(around(extra, 0, 40))),
			Hint:    "check that Content-Length counts exactly the body's bytes, and that nothing is written after the body",
		}
	}
	return nil
}

// expectClose waits for the server to close after r. The close is required
// when the client asked for it (RFC 9112 §9.6) or the framing is lost, and
// advised where the card chose it; saying Connection: close in the response
// is advised either way (RFC 9112 §9.6, SHOULD).
func (t *T) expectClose(c *conn, r *response, required bool) error {
	if !hasToken(r.header("Connection"), "close") {
		if err := t.advise(warning{
			Summary: "expected the header Connection: close, since the server is about to close the connection",
			Section: "RFC 9112 §9.6",
			Why:     "a server should announce the close, so that the client sends no further request on the connection; the close itself is what counts",
		}); err != nil {
			return err
		}
	}
	err := c.expectClosed(closeGrace)
	switch {
	case err == nil:
		return nil
	case !required && errors.Is(err, errStillOpen):
		return t.advise(warning{
			Summary: "the connection stayed open after the answer",
			Section: "stages/02-parse.md#strict-checks",
			Why:     "the request was refused but its framing was sound, so the RFCs let the connection go on; the card's reference closes it",
		})
	}
	return &failure{Summary: err.Error(), Section: "RFC 9112 §9.6", cause: err,
		Hint: "after writing a response with Connection: close, close the socket"}
}

// textBody expects a 200 text/plain response with this body.
func textBody(body string) want {
	return want{code: 200, checkBody: true, body: []byte(body), headers: map[string]string{
		"Content-Type":   "text/plain",
		"Content-Length": strconv.Itoa(len(body)),
	}}
}

// curl returns the curl command that makes the same request, for the
// learner to repeat by hand.
func (t *T) curl(method, target string, headers []string, body []byte) string {
	var b strings.Builder
	b.WriteString("curl -i")
	if method == "HEAD" {
		b.WriteString(" --head")
	} else if method != "GET" && !(method == "POST" && body != nil) {
		b.WriteString(" -X " + method)
	}
	for _, h := range headers {
		b.WriteString(" -H " + shellQuote(h))
	}
	if body != nil {
		b.WriteString(" --data-binary " + shellQuote(string(body)))
	}
	b.WriteString(" " + shellQuote(t.reproURL(target)))
	return b.String()
}

// curlPiped is curl with a body that the command producer writes, for
// bodies too long or too binary to paste into the line.
func (t *T) curlPiped(producer, method, target string, headers []string) string {
	return producer + " | " + t.curl(method, target, headers, []byte("@-"))
}
