package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Where a failed stage-3 check sends the learner.
const readMethods = "stages/03-routing.md#tests and docs/03-routing.md#405-allow-head-and-options"

func init() {
	register(
		check{stage: 3, slug: "method-not-allowed", name: "a known path with the wrong method answers 405 with Allow", read: readMethods, run: methodNotAllowed},
		check{stage: 3, slug: "head", name: "HEAD answers like GET, without a body", read: readMethods, run: headLikeGet},
		check{stage: 3, slug: "options", name: "OPTIONS answers 204 with Allow", read: readMethods, run: optionsAllow},
	)
}

// allowNames parses an Allow header (RFC 9110 §10.2.1): a comma-separated
// list of method names, which are case-sensitive.
func allowNames(value string) map[string]bool {
	names := map[string]bool{}
	for _, m := range strings.Split(value, ",") {
		if m = strings.TrimSpace(m); m != "" {
			names[m] = true
		}
	}
	return names
}

// expectAllow requires the response's Allow header to list each method.
func expectAllow(resp *response, req []byte, methods ...string) error {
	allow := resp.header("Allow")
	if len(allow) == 0 {
		return &failure{Summary: "expected an Allow header listing the methods this path accepts, but there is none", Sent: req, Got: resp.raw,
			Hint: "RFC 9110 §15.5.6: a 405 response must carry Allow; list the methods registered for the path"}
	}
	names := allowNames(strings.Join(allow, ","))
	for _, m := range methods {
		if !names[m] {
			return &failure{Summary: fmt.Sprintf("expected Allow to list %s, got Allow: %s", m, strings.Join(allow, ", ")), Sent: req, Got: resp.raw,
				Hint: "every GET route also answers HEAD; method names are case-sensitive"}
		}
	}
	return nil
}

func methodNotAllowed(t *T) error {
	for _, probe := range []struct{ method, path string }{{"POST", "/"}, {"DELETE", "/user-agent"}} {
		req := request(probe.method, probe.path, []string{"Content-Length: 0"}, nil)
		t.reproduce("%s", t.curl(probe.method, probe.path, nil, nil))
		resp, err := t.roundTrip(req, want{code: 405})
		if err != nil {
			f := asFailure(err)
			f.Detail = probe.path + " exists for GET, so " + probe.method + " gets 405 Method Not Allowed, not 404 (the path exists) or 200 (the method is wrong)"
			return f
		}
		if err := expectAllow(resp, req, "GET", "HEAD"); err != nil {
			return err
		}
	}
	return nil
}

func headLikeGet(t *T) error {
	word := t.randomWord()
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for _, probe := range []struct {
		path string
		want want
	}{
		{"/", want{code: 200, head: true, more: true, headers: map[string]string{"Content-Length": "0"}}},
		{"/echo/" + word, want{code: 200, head: true, more: true, headers: map[string]string{"Content-Length": strconv.Itoa(len(word)), "Content-Type": "text/plain"}}},
	} {
		req := request("HEAD", probe.path, nil, nil)
		t.reproduce("%s", t.curl("HEAD", probe.path, nil, nil))
		if _, err := t.exchange(c, req, probe.want); err != nil {
			f := asFailure(err)
			f.Hint = "HEAD gets the same status and headers as GET, Content-Length included, but no body"
			return f
		}
	}
	// A server that sent the body anyway has left it in the stream, where
	// it is read as the start of the next response.
	next := t.randomWord()
	if _, err := t.exchange(c, request("GET", "/echo/"+next, nil, nil), textBody(next)); err != nil {
		f := asFailure(err)
		f.Detail = "this GET followed two HEAD requests on the same connection"
		f.Hint = "a response to HEAD has no body: bytes sent after its headers are read as the next response"
		return f
	}
	return nil
}

func optionsAllow(t *T) error {
	req := request("OPTIONS", "/user-agent", nil, nil)
	t.reproduce("%s", t.curl("OPTIONS", "/user-agent", nil, nil))
	resp, err := t.roundTrip(req, want{code: 204, headers: map[string]string{"Content-Length": ""}})
	if err != nil {
		f := asFailure(err)
		if strings.Contains(f.Summary, "Content-Length") {
			f.Hint = "RFC 9110 §8.6: a server must not send Content-Length in a 204 response"
		}
		return f
	}
	return expectAllow(resp, req, "GET", "HEAD")
}
