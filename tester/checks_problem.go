package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// apiErrorHandlers is the api-error-handlers check. The server was started
// with --problem-details, which registers an error handler for every error
// status: a 404 from the router, a 404 from a handler, a 405 from the
// router (which keeps its Allow) and a 413 from the parser must all be
// RFC 9457 problem details. An answer that is no error stays as it was.
func apiErrorHandlers(t *T) error {
	return t.withFlags("api-error-handlers", func() error {
		for _, probe := range []struct {
			what, method, path string
			code               int
		}{
			{"the router's 404, for a path no route has", "GET", "/" + t.randomWord(), 404},
			{"a handler's 404, for a user never created", "GET", "/users/" + strconv.Itoa(900000000+t.rng.Intn(99999999)), 404},
			{"the router's 405", "PATCH", "/users", 405},
		} {
			req := request(probe.method, probe.path, nil, nil)
			t.reproduceHTTP(t.curl(probe.method, probe.path, nil, nil), probe.code)
			resp, err := t.roundTrip(req, want{code: probe.code})
			if err == nil {
				err = t.expectProblem(req, resp)
			}
			if err == nil && probe.code == 405 {
				err = expectAllow(resp, req, "GET", "POST")
			}
			if err != nil {
				return annotate(err, "the answer was "+probe.what, "")
			}
		}
		if err := t.parserProblem(); err != nil {
			return err
		}
		var all []user
		c, err := t.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = t.call(c, "GET", "/users", nil, 200, &all)
		return annotate(err, "GET /users is no error: its answer stays application/json", "")
	})
}

// parserProblem announces a body over the parser's limit: its 413, which
// no handler writes, must be a problem too.
func (t *T) parserProblem() error {
	head, resp, err := t.askTooLarge()
	if err == nil {
		err = t.expectProblem(head, resp)
	}
	return annotate(err, "the request announced a 2 MiB body, which the parser refuses before any handler runs", "")
}

// problemDoc is an RFC 9457 problem details object, as the tester reads
// one: pointers tell a member that is absent from one that is empty.
type problemDoc struct {
	Type   *string      `json:"type"`
	Title  *string      `json:"title"`
	Status *json.Number `json:"status"`
	Detail *string      `json:"detail"`
}

// expectProblem requires resp to be problem details for its own status:
// the media type and a JSON object are what the check exists to prove,
// and a status member must equal the response's (RFC 9457 §3.1). The
// members the card lists are advised where the RFC leaves them optional.
func (t *T) expectProblem(req []byte, resp *response) error {
	fail := func(summary, section, hint string) error {
		return &failure{Summary: summary, Section: section, Sent: req, Got: resp.raw, Hint: hint}
	}
	if ct := resp.get("Content-Type"); !headerValueMatches("Content-Type", "application/problem+json", ct) {
		return fail(fmt.Sprintf("expected Content-Type: application/problem+json, got %q: the error handler did not shape this answer", ct), "",
			"with --problem-details, every error, whoever makes it, goes through the handler registered for its status")
	}
	var p problemDoc
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return fail("the body is not a JSON object: "+err.Error(), "RFC 9457 §3", `write {"type": "about:blank", "title": ..., "status": ..., "detail": ...}`)
	}
	want := strconv.Itoa(resp.code)
	switch {
	case p.Status != nil && p.Status.String() != want:
		return fail(fmt.Sprintf(`the problem says "status": %s, but the response is a %d`, p.Status, resp.code), "RFC 9457 §3.1",
			"put the response's own status in the status member")
	case p.Status == nil:
		return t.adviseAbout(req, resp, warning{Summary: "the problem has no status member", Section: "stages/05-json.md#api-middleware",
			Why: "RFC 9457 makes it optional, for clients that see the body only; the card sends type, title, status and detail"})
	case p.Title == nil || *p.Title != reasonPhrases[resp.code] && (p.Type == nil || *p.Type == "about:blank"):
		return t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("the problem's title is not %q, the status's reason phrase", reasonPhrases[resp.code]), Section: "RFC 9457 §4.2.1",
			Why: "a problem of type about:blank is no more than its status, so its title should be the status's phrase"})
	case p.Detail == nil || *p.Detail == "":
		return t.adviseAbout(req, resp, warning{Summary: "the problem has no detail", Section: "stages/05-json.md#api-middleware",
			Why: "detail is optional; the card puts there what the error message of stage 5 said"})
	}
	return nil
}
