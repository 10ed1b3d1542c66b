package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ccMode says how far a check reads and judges responses as CodeCrafters'
// tester does rather than as the RFCs say.
type ccMode int

const (
	rfcMode   ccMode = iota // framed and judged by the RFCs, as every stage is
	ccFraming               // bodies read by Content-Length only; judged by the check
	ccJudging               // framed so, and judged as CodeCrafters judges
)

// ccRules runs a check as one of CodeCrafters' stages: responses framed and
// judged as its tester does, so that the track fails exactly where it would.
func ccRules(run func(*T) error) func(*T) error {
	return func(t *T) error {
		t.cc = ccJudging
		defer func() { t.cc = rfcMode }()
		return run(t)
	}
}

// readResponse reads one response as the check's mode frames it: by the
// RFCs (chunked coding, Content-Length, or the close), or as CodeCrafters'
// tester does, by Content-Length only, taking a response without one to
// have no body. That is how "HTTP/1.1 200 OK\r\n\r\n" passes its stages on
// a kept-alive connection, where curl would wait for the close.
func (t *T) readResponse(c *conn, toHead bool) (*response, error) {
	if t.cc == rfcMode {
		return c.readResponse(toHead)
	}
	p := c.patience()
	r, err := c.readHead(p)
	if err == nil && !toHead && len(r.header("Content-Length")) > 0 {
		err = c.readBody(r, p)
	}
	if err != nil && r != nil {
		r.raw = append(r.raw, c.in...)
	}
	return r, err
}

// ccCheckResponse judges a response as CodeCrafters' tester does: the whole
// status line, each header it names, the body; what follows the response
// on the connection is never looked at, unless the close is due. The body
// comes before the other headers, as in checkResponse, since it explains a
// wrong Content-Length; a missing one comes first, since it explains an
// empty body.
func (t *T) ccCheckResponse(c *conn, req []byte, r *response, w want) error {
	for _, step := range []func(*T, *response, want) error{(*T).ccStatus, (*T).expectEncoding, (*T).ccLength, (*T).expectBody, (*T).ccHeaders} {
		if err := step(t, r, w); err != nil {
			return withExchange(err, req, r.raw)
		}
	}
	if !w.closes {
		return nil
	}
	return withExchange(t.expectClose(c, r, true), req, r.raw)
}

// ccAuthority is the section of a failure that only CodeCrafters' rules
// make one.
const ccAuthority = "CodeCrafters' tester"

// ccStatus requires the status line to the letter, reason phrase included,
// which RFC 9112 §4 lets a client ignore but CodeCrafters compares.
func (t *T) ccStatus(r *response, w want) error {
	if r.version != "HTTP/1.1" || r.code != w.code {
		return t.expectStatus(r, w)
	}
	wantLine := statusLine(w.code)
	if r.statusLine() == wantLine {
		return nil
	}
	return &failure{
		Summary: fmt.Sprintf("expected the status line %s, got %s", strconv.Quote(wantLine+"\r\n"), strconv.Quote(r.statusLine()+"\r\n")),
		Section: ccAuthority,
		Diff:    describeDiff([]byte(wantLine), []byte(r.statusLine())),
		Hint:    fmt.Sprintf("CodeCrafters' tester compares the whole status line, reason phrase included, though a client may ignore the phrase (RFC 9112 §4): send exactly %s\\r\\n", wantLine),
	}
}

// ccLength requires the Content-Length the check names to be there, since
// CodeCrafters' tester reads no body without it.
func (t *T) ccLength(r *response, w want) error {
	if value, ok := w.headers["Content-Length"]; ok && len(r.header("Content-Length")) == 0 {
		return ccHeader(r, "Content-Length", value)
	}
	return nil
}

// ccHeaders checks the headers the check names, as CodeCrafters does.
func (t *T) ccHeaders(r *response, w want) error {
	names := make([]string, 0, len(w.headers))
	for name := range w.headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := ccHeader(r, name, w.headers[name]); err != nil {
			return err
		}
	}
	return nil
}

// ccHeader checks one header as CodeCrafters' tester does: the first field
// of that name, its whole value compared without regard to case, ""
// meaning absent. Every header the check names is required, Content-Length
// too, since that tester reads a body by it alone.
func ccHeader(r *response, name, value string) error {
	if strings.EqualFold(r.get(name), value) {
		return nil
	}
	if err := expectHeader(r, name, value); err != nil {
		f := asFailure(err)
		switch {
		case strings.EqualFold(name, "Content-Length") && len(r.header(name)) == 0:
			f.Hint = "CodeCrafters' tester reads a body by its Content-Length only, and without one takes it to be empty: send Content-Length, the number of bytes in the body"
		case strings.EqualFold(name, "Connection"):
			f.Hint = "the request said Connection: close: answer with Connection: close, then close the connection (RFC 9112 §9.6)"
		}
		return f
	}
	// expectHeader accepted what CodeCrafters refuses: a parameter after
	// the media type, such as ; charset=utf-8.
	return &failure{
		Summary: fmt.Sprintf("expected %s: %s exactly, got %s: %s", name, value, name, r.get(name)),
		Section: ccAuthority,
		Diff:    describeDiff([]byte(value), []byte(r.get(name))),
		Hint:    fmt.Sprintf("CodeCrafters' tester compares the whole value: the parameter is correct HTTP (RFC 9110 §8.3.1), but the course expects exactly %s: %s", name, value),
	}
}

// ccRoot is CodeCrafters' stage ia4: GET / gets 200 OK, with or without
// headers or a body.
func ccRoot(t *T) error {
	t.reproduceHTTP(t.curl("GET", "/", nil, nil), 200)
	return t.single(request("GET", "/", nil, nil), want{code: 200})
}

// ccConcurrent is stage 2's concurrency check, then, as CodeCrafters does,
// a fresh set of connections used in the order they were opened: after
// the first set has gone, the server still serves new ones.
func ccConcurrent(t *T) error {
	if err := httpConcurrent(t); err != nil {
		return err
	}
	conns, err := t.dialAll(3)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	for i, c := range conns {
		if _, err := t.exchange(c, request("GET", "/", nil, nil), want{code: 200}); err != nil {
			return annotate(err, fmt.Sprintf("three connections had been served and closed; this was connection %d of a fresh three, used in order", i+1),
				"keep accepting: after connections close, new ones must still be served")
		}
	}
	return nil
}

// randomText returns eight words, the file content CodeCrafters sends:
// text, unlike the workbook's random bytes.
func (t *T) randomText() []byte {
	words := make([]string, 8)
	for i := range words {
		words[i] = t.randomWord()
	}
	return []byte(strings.Join(words, " "))
}

// ccFileGet is CodeCrafters' stage ap6: stage 4's files-get with text.
func ccFileGet(t *T) error {
	return t.expectFileServed(t.randomFileName(), t.randomText(), "bytes of text")
}

// ccFilePost is CodeCrafters' stage qv8: stage 4's files-post with text.
func ccFilePost(t *T) error {
	return t.expectFileWritten(t.randomFileName(), t.randomText(), false)
}

// ccEncodings is CodeCrafters' stages df4 and ij8: an Accept-Encoding that
// accepts gzip gets Content-Encoding: gzip, whatever the body (compression
// comes at cr8), and one that does not gets no Content-Encoding.
func ccEncodings(accepts, refuses string) func(*T) error {
	return func(t *T) error {
		word := t.randomWord()
		for _, probe := range []struct{ ae, coding string }{{accepts, "gzip"}, {refuses, ""}} {
			h := []string{"Accept-Encoding: " + probe.ae}
			t.reproduceHTTP(t.curl("GET", "/echo/"+word, h, nil)+" --output -", 200)
			w := want{code: 200, headers: map[string]string{"Content-Encoding": probe.coding}}
			if err := t.single(request("GET", "/echo/"+word, h, nil), w); err != nil {
				return annotate(err, "the request said Accept-Encoding: "+probe.ae, "")
			}
		}
		return nil
	}
}

// ccGzip is CodeCrafters' stage cr8: stage 5's gzip answer, without its
// Content-Type and Vary, which that stage does not ask.
func ccGzip(t *T) error {
	word := t.randomWord()
	req, resp, err := t.askGzip(t.roundTrip, word, "gzip", want{code: 200, headers: map[string]string{"Content-Encoding": "gzip"}})
	if err != nil {
		return err
	}
	return expectGunzipped(req, resp, word)
}

// ccCase is one of the requests CodeCrafters' persistence stages choose at
// random, with the answer it needs.
type ccCase struct {
	target  string
	headers []string
	want    want
}

// ccRandomCase picks GET /, an echo, the User-Agent or a file, as
// CodeCrafters does; a file is written to the served directory first.
func (t *T) ccRandomCase() (ccCase, error) {
	switch t.rng.Intn(4) {
	case 0:
		return ccCase{target: "/", want: want{code: 200, headers: map[string]string{}}}, nil
	case 1:
		word := t.randomWord()
		return ccCase{target: "/echo/" + word, want: textBody(word)}, nil
	case 2:
		ua := t.randomUserAgent()
		return ccCase{target: "/user-agent", headers: []string{"User-Agent: " + ua}, want: textBody(ua)}, nil
	}
	name, content := t.randomFileName(), t.randomText()
	if err := os.WriteFile(filepath.Join(t.files, name), content, 0o644); err != nil {
		return ccCase{}, err
	}
	return ccCase{target: "/files/" + name, want: fileWant(content)}, nil
}

// ccCases picks n cases.
func (t *T) ccCases(n int) ([]ccCase, error) {
	cases := make([]ccCase, n)
	for i := range cases {
		var err error
		if cases[i], err = t.ccRandomCase(); err != nil {
			return nil, err
		}
	}
	return cases, nil
}

// send sends the case's request on c and checks the answer.
func (cs ccCase) send(t *T, c *conn) error {
	_, err := t.exchange(c, request("GET", cs.target, cs.headers, nil), cs.want)
	return err
}

// twice is the curl command that makes the case's request twice on one
// connection.
func (cs ccCase) twice(t *T) string {
	return t.curl("GET", cs.target, cs.headers, nil) + " " + shellQuote(t.reproURL(cs.target))
}

// ccConcurrentPersistent is CodeCrafters' stage ul1: two or three
// connections opened together, each with its own request, used last first
// and then in order, so that each is reused while the others stay open.
func ccConcurrentPersistent(t *T) error {
	n := 2 + t.rng.Intn(2)
	cases, err := t.ccCases(n)
	if err != nil {
		return err
	}
	var lines []string
	for _, cs := range cases {
		lines = append(lines, cs.twice(t))
	}
	t.reproduce("%s & wait   # each curl sends its request twice on one connection", strings.Join(lines, " & "))
	conns, err := t.dialAll(n)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	for round, order := range [][]int{reversed(n), inOrder(n)} {
		for _, i := range order {
			if err := cases[i].send(t, conns[i]); err != nil {
				return annotate(err, fmt.Sprintf("%d connections were open at once, used last first, then in order; this was request %d of 2 on connection %d", n, round+1, i+1),
					"serve each connection on its own, and after each answer read the next request from the same connection, while the others stay open")
			}
		}
	}
	return nil
}

// reversed returns n-1 down to 0; inOrder 0 up to n-1.
func reversed(n int) []int {
	out := inOrder(n)
	for i, j := 0, n-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func inOrder(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// ccClosure is CodeCrafters' stage kh7: on each of two connections, one
// request, then one with Connection: close, whose answer must say
// Connection: close, after which the server closes.
func ccClosure(t *T) error {
	cases, err := t.ccCases(2)
	if err != nil {
		return err
	}
	last := &cases[1]
	last.headers = append(last.headers, "Connection: close")
	last.want.headers["Connection"] = "close"
	last.want.closes = true
	t.reproduceHTTP(fmt.Sprintf("%s --next %s   # one connection; the second answer says Connection: close", t.curl("GET", cases[0].target, cases[0].headers, nil),
		strings.TrimPrefix(t.curl("GET", last.target, last.headers, nil), "curl ")), 200)
	for round := 1; round <= 2; round++ {
		c, err := t.dial()
		if err != nil {
			return err
		}
		for i, cs := range cases {
			if err := cs.send(t, c); err != nil {
				c.Close()
				return annotate(err, fmt.Sprintf("connection %d of 2, request %d of 2; the second asks for Connection: close", round, i+1), "")
			}
		}
		c.Close()
	}
	return nil
}

// asAdvice runs workbook checks after the track's stages, framed as mode
// says, and makes each failure a warning: what real clients need and the
// course never tries is advice to a learner of the course, not its
// verdict. Under ccFraming, answers without Content-Length are read as
// CodeCrafters reads them, so that each check warns about its own subject,
// not about the missing Content-Length that clients-length reports.
func asAdvice(mode ccMode, section, why string, runs ...func(*T) error) func(*T) error {
	return func(t *T) error {
		t.cc = mode
		defer func() { t.cc = rfcMode }()
		for _, run := range runs {
			if err := t.adviseFailure(run(t), section, why); err != nil {
				return err
			}
		}
		return nil
	}
}

// adviseFailure records a failed check as a warning with its section (the
// failure's own, else section) and why, and returns nil; under -pedantic it
// returns the failure itself, marked advised, exchange and hint included.
func (t *T) adviseFailure(err error, section, why string) error {
	if err == nil || t.ctx.Err() != nil {
		return err
	}
	f := asFailure(err)
	if f.Section == "" {
		f.Section = section
	}
	if t.pedantic {
		f.Advised = true
		return f
	}
	summary := f.Summary
	if target := requestTarget(f.Sent); target != "" {
		summary = target + ": " + summary
	}
	if f.Detail != "" {
		summary += "; " + f.Detail
	}
	return t.advise(warning{Summary: summary, Section: f.Section, Why: why})
}

// requestTarget is the method and target of the last request line in
// sent, the request that failed when several were sent at once, or "" if
// there is none.
func requestTarget(sent []byte) string {
	found := ""
	for _, line := range bytes.Split(sent, []byte("\r\n")) {
		method, rest, ok := strings.Cut(string(line), " ")
		target, version, ok2 := strings.Cut(rest, " ")
		if ok && ok2 && strings.HasPrefix(version, "HTTP/1.") && method != "" && strings.HasPrefix(target, "/") {
			found = method + " " + target
		}
	}
	return found
}

// shortWait runs a check with every read cut to closeGrace: what it
// finds is a client waiting for a close that never comes, which a second
// shows as well as the full timeout would.
func shortWait(run func(*T) error) func(*T) error {
	return func(t *T) error {
		saved := t.timeout
		t.timeout = min(t.timeout, closeGrace)
		defer func() { t.timeout = saved }()
		return run(t)
	}
}
