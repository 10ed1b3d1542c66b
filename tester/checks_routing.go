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
		check{stage: 3, slug: "method-not-allowed", name: "a known path with the wrong method answers 405 with Allow", read: readMethods, run: methodNotAllowed, hints: []string{
			"Look at how your router decides between 404 and another answer: the tester sends POST / and DELETE /user-agent, two paths that exist for GET.",
			"The router probably looks the path and the method up together, so a known path asked with another method falls through to 404.",
			"Look the path up first, then the method: a path without a handler for the method answers 405 Method Not Allowed, with an Allow header that lists the path's methods (GET, HEAD, OPTIONS).",
		}},
		check{stage: 3, slug: "head", name: "HEAD answers like GET, without a body", read: readMethods, run: headLikeGet, hints: []string{
			"Look at how your server answers HEAD on a route that answers GET: the tester compares status and headers, then sends a GET on the same connection.",
			"Usually HEAD is not routed (404 or 405), or the body is sent anyway and read as the start of the next response, or Content-Length says 0 instead of GET's length.",
			"Serve HEAD with the GET handler, and drop the body where the response is written, keeping the Content-Length that the GET answer would have.",
		}},
		check{stage: 3, slug: "options", name: "OPTIONS answers 204 with Allow", read: readMethods, run: optionsAllow, hints: []string{
			"Look at how your server answers OPTIONS on a known path.",
			"Usually OPTIONS is not routed (404 or 405), the Allow header is missing, or a 204 answer carries a Content-Length, which it must not.",
			"Answer OPTIONS on every known path with 204 No Content and an Allow header listing the path's methods, HEAD and OPTIONS included, with no body and no Content-Length.",
		}},
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
		f := &failure{Summary: "expected an Allow header listing the methods this path accepts, but there is none", Sent: req, Got: resp.raw,
			Hint: "RFC 9110 §15.5.6: a 405 response must carry Allow; list the methods registered for the path"}
		if resp.code == 405 {
			f.Section = "RFC 9110 §15.5.6"
		}
		return f
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
		t.reproduceHTTP(t.curl(probe.method, probe.path, nil, nil), 405)
		resp, err := t.roundTrip(req, want{code: 405})
		if err != nil {
			return annotate(err, probe.path+" exists for GET, so "+probe.method+" gets 405 Method Not Allowed, not 404 (the path exists) or 200 (the method is wrong)", "")
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
		t.reproduceHTTP(t.curl("HEAD", probe.path, nil, nil), 200)
		if _, err := t.exchange(c, req, probe.want); err != nil {
			return annotate(err, "", "HEAD gets the same status and headers as GET, Content-Length (if any) the same as GET's, but no body")
		}
	}
	// A server that sent the body anyway has left it in the stream, where
	// it is read as the start of the next response.
	next := t.randomWord()
	_, err = t.exchange(c, request("GET", "/echo/"+next, nil, nil), textBody(next))
	return annotate(err, "this GET followed two HEAD requests on the same connection",
		"a response to HEAD has no body: bytes sent after its headers are read as the next response")
}

// options200 is the warning for an OPTIONS answered 200 rather than 204.
var options200 = warning{
	Summary: "OPTIONS was answered 200 OK",
	Section: "RFC 9110 §9.3.7",
	Why:     "any 2xx answers OPTIONS; the card's reference sends 204 No Content, since the answer has no body",
}

// optionsAllow asks OPTIONS of a path. The card answers 204 with Allow; a
// 200 with Allow is as correct (RFC 9110 §9.3.7), and warned.
func optionsAllow(t *T) error {
	req := request("OPTIONS", "/user-agent", nil, nil)
	t.reproduceHTTP(t.curl("OPTIONS", "/user-agent", nil, nil), 204, 200)
	c, resp, err := t.ask(req)
	defer c.Close()
	if err != nil {
		return err
	}
	w := want{code: 204, headers: map[string]string{"Content-Length": ""}}
	if resp.code == 200 {
		w = want{code: 200}
		if err := t.adviseAbout(req, resp, options200); err != nil {
			return err
		}
	}
	if err := t.checkResponse(c, req, resp, w); err != nil {
		return err
	}
	return expectAllow(resp, req, "GET", "HEAD")
}
