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

// want is what a check expects of one response.
type want struct {
	code      int
	headers   map[string]string // exact values, names case-insensitive; "" means absent
	body      []byte            // checked when checkBody is set
	checkBody bool
	closes    bool // the response says Connection: close and the socket closes
	head      bool // the request was HEAD: no body follows
	more      bool // more responses follow on the connection: skip the leftover check
}

// closeGrace is how long a server may take to close after a response that
// says Connection: close. CodeCrafters waits 1 ms, which fails correct
// servers that close a moment later; a second is generous and still quick.
const closeGrace = time.Second

// exchange sends req on c, reads one response and checks it against w. It
// returns the response for further checks.
func (t *T) exchange(c *conn, req []byte, w want) (*response, error) {
	if err := c.send(req); err != nil {
		return nil, err
	}
	return t.expectResponse(c, req, w)
}

// expectResponse reads a response to req, already sent, and checks it.
func (t *T) expectResponse(c *conn, req []byte, w want) (*response, error) {
	start := c.pos
	resp, err := c.readResponse(w.head)
	if err != nil {
		summary := err.Error()
		if errors.Is(err, errNoResponse) {
			summary = strings.TrimPrefix(summary, errNoResponse.Error()+": ")
		}
		f := &failure{Summary: summary, Sent: req, Got: c.got[start:]}
		if len(req) > 0 && bytes.HasPrefix(f.Got, req[:min(len(req), 16)]) {
			f.Hint = "the server sent the request back: from stage 2 on it must answer with an HTTP response, starting with a status line such as HTTP/1.1 200 OK"
		}
		return resp, f
	}
	fail := func(summary string, wantBytes, gotBytes []byte) error {
		f := &failure{Summary: summary, Sent: req, Got: resp.raw}
		if wantBytes != nil {
			f.Diff = describeDiff(wantBytes, gotBytes)
		}
		return f
	}

	wantLine := fmt.Sprintf("HTTP/1.1 %d %s", w.code, reasonPhrases[w.code])
	if resp.statusLine() != wantLine {
		return resp, fail(fmt.Sprintf("expected the status line %s, got %s", strconv.Quote(wantLine+"\r\n"), strconv.Quote(resp.statusLine()+"\r\n")),
			[]byte(wantLine), []byte(resp.statusLine()))
	}

	checkBody := func() error {
		if w.checkBody && !bytes.Equal(resp.body, w.body) {
			return &failure{
				Summary: fmt.Sprintf("expected a %d-byte body %s, got %d bytes %s", len(w.body), quote(around(w.body, 0, 40)), len(resp.body), quote(around(resp.body, 0, 40))),
				Sent:    req, Got: resp.raw, Diff: describeDiff(w.body, resp.body),
			}
		}
		return nil
	}

	names := make([]string, 0, len(w.headers))
	for name := range w.headers {
		names = append(names, name)
	}
	// Content-Encoding first: it explains a body that looks wrong. Then the
	// body, which explains a wrong Content-Length. Then the other headers.
	sort.Slice(names, func(i, j int) bool {
		ci, cj := strings.EqualFold(names[i], "Content-Encoding"), strings.EqualFold(names[j], "Content-Encoding")
		if ci != cj {
			return ci
		}
		return names[i] < names[j]
	})
	bodyChecked := false
	for _, name := range names {
		if !bodyChecked && !strings.EqualFold(name, "Content-Encoding") {
			bodyChecked = true
			if err := checkBody(); err != nil {
				return resp, err
			}
		}
		wantValue, got := w.headers[name], resp.header(name)
		switch {
		case wantValue == "" && len(got) > 0:
			return resp, fail(fmt.Sprintf("expected no %s header, got %s: %s", name, name, got[0]), nil, nil)
		case wantValue == "":
		case len(got) == 0:
			return resp, fail(fmt.Sprintf("expected the header %s: %s, but the response has no %s header", name, wantValue, name), nil, nil)
		case len(got) > 1:
			return resp, fail(fmt.Sprintf("expected one %s header, got %d", name, len(got)), nil, nil)
		case !headerValueMatches(name, wantValue, got[0]):
			return resp, fail(fmt.Sprintf("expected %s: %s, got %s: %s", name, wantValue, name, got[0]), []byte(wantValue), []byte(got[0]))
		}
	}
	if !bodyChecked {
		if err := checkBody(); err != nil {
			return resp, err
		}
	}

	if w.closes {
		if !strings.EqualFold(resp.get("Connection"), "close") {
			return resp, fail("expected the header Connection: close, since the server is about to close the connection", nil, nil)
		}
		if err := c.expectClosed(closeGrace); err != nil {
			return resp, &failure{Summary: err.Error(), Sent: req, Got: resp.raw,
				Hint: "after writing a response with Connection: close, close the socket"}
		}
	} else if !w.more {
		if extra := c.extra(50 * time.Millisecond); len(extra) > 0 {
			return resp, &failure{
				Summary: fmt.Sprintf("after the response, %d more bytes arrived that belong to no response", len(extra)),
				Sent:    req, Got: append(append([]byte(nil), resp.raw...), extra...),
				Diff: fmt.Sprintf("the extra bytes start %s", quote(around(extra, 0, 40))),
				Hint: "check that Content-Length counts exactly the body's bytes, and that nothing is written after the body",
			}
		}
	}
	return resp, nil
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
	host, port := t.reproAddr()
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
	b.WriteString(" " + shellQuote("http://"+host+":"+port+target))
	return b.String()
}
