package main

import (
	"fmt"
	"strings"
)

// The rules of the CORS checks, as the Fetch standard names them: a browser
// reads the answers below and lets the page see them, or not.
const (
	fetchPreflight = "the Fetch standard, CORS-preflight fetch"
	fetchCORSCheck = "the Fetch standard, CORS check"
	fetchCaches    = "the Fetch standard, CORS protocol and HTTP caches"
)

// apiCORS is the api-cors check: a preflight from an allowed origin, one
// from a foreign origin, a plain OPTIONS, and the actual requests that
// follow a preflight, each on a connection of its own, as a browser might.
func apiCORS(t *T) error {
	return t.withFlags("api-cors", func() error {
		if err := t.preflightAllowed(); err != nil {
			return err
		}
		if err := t.preflightRefused(); err != nil {
			return err
		}
		req := request("OPTIONS", "/user-agent", nil, nil)
		t.reproduceHTTP(t.curl("OPTIONS", "/user-agent", nil, nil), 204)
		if _, err := t.roundTrip(req, want{code: 204}); err != nil {
			return annotate(err, "an OPTIONS without Origin is no preflight: it gets stage 3's answer", "")
		}
		return t.corsActual()
	})
}

// preflightAllowed asks leave for a PUT with a JSON body and a token, from
// the second allowed origin.
func (t *T) preflightAllowed() error {
	origin := apiOrigins[1]
	h := []string{"Origin: " + origin, "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type, authorization"}
	req := request("OPTIONS", "/users/1", h, nil)
	t.reproduceHTTP(t.curl("OPTIONS", "/users/1", h, nil), 204)
	resp, err := t.roundTrip(req, want{})
	if err != nil {
		return err
	}
	fail := func(summary, section, hint string) error {
		return &failure{Summary: summary, Section: section, Sent: req, Got: resp.raw, Detail: "the preflight came from " + origin + ", an origin given with --cors-origin", Hint: hint}
	}
	if resp.code/100 != 2 {
		return fail(fmt.Sprintf("the preflight was answered %d; a browser goes on only after a 2xx", resp.code), fetchPreflight,
			"answer a preflight to a known path as OPTIONS is answered (204 and Allow), with the CORS headers added")
	}
	if resp.code != 204 {
		if err := t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("the preflight was answered %d, not 204", resp.code), Section: "stages/05-json.md#api-middleware",
			Why: "any 2xx lets the browser go on; the card answers a preflight as stage 3 answers OPTIONS, 204 No Content"}); err != nil {
			return err
		}
	}
	if err := t.expectAllowOrigin(req, resp, origin, fetchCORSCheck); err != nil {
		return err
	}
	if methods := listTokens(resp.header("Access-Control-Allow-Methods")); !methods["PUT"] && !methods["*"] {
		return fail(fmt.Sprintf("Access-Control-Allow-Methods is %q, which does not list PUT, the method the preflight asked for", resp.get("Access-Control-Allow-Methods")), fetchPreflight,
			"list the path's methods in Access-Control-Allow-Methods: the value of Allow will do")
	}
	allowed := listTokens(resp.header("Access-Control-Allow-Headers"))
	if !allowed["authorization"] {
		summary := fmt.Sprintf("Access-Control-Allow-Headers is %q, which does not list Authorization", resp.get("Access-Control-Allow-Headers"))
		if allowed["*"] {
			summary += `: "*" stands for every header but Authorization`
		}
		return fail(summary, fetchPreflight, "name Authorization in Access-Control-Allow-Headers, always by name: a wildcard never covers it")
	}
	if !allowed["content-type"] && !allowed["*"] {
		return fail(fmt.Sprintf("Access-Control-Allow-Headers is %q, which does not list Content-Type, a header the preflight asked for", resp.get("Access-Control-Allow-Headers")), fetchPreflight,
			"list Content-Type in Access-Control-Allow-Headers: a JSON body's type is not one a browser sends without asking")
	}
	if age := resp.get("Access-Control-Max-Age"); age == "" || strings.Trim(age, "0123456789") != "" {
		if err := t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("the preflight's Access-Control-Max-Age is %q, not a number of seconds", age), Section: fetchPreflight,
			Why: "without it a browser keeps the answer 5 seconds and asks again; the card sends 600"}); err != nil {
			return err
		}
	}
	return t.adviseVaryOrigin(req, resp)
}

// preflightRefused asks leave from an origin that only starts like an
// allowed one: the answer must not grant it.
func (t *T) preflightRefused() error {
	h := []string{"Origin: " + apiForeignOrigin, "Access-Control-Request-Method: PUT"}
	req := request("OPTIONS", "/users/1", h, nil)
	t.reproduceHTTP(t.curl("OPTIONS", "/users/1", h, nil), 204)
	resp, err := t.roundTrip(req, want{})
	if err != nil {
		return err
	}
	if err := t.expectNoGrant(req, resp); err != nil {
		return annotate(err, "the preflight came from "+apiForeignOrigin+", which no --cors-origin names", "")
	}
	return nil
}

// corsActual sends GET /users from an allowed origin, then from a foreign
// one: both are served, and only the first may be read by its page.
func (t *T) corsActual() error {
	for _, origin := range []string{apiOrigins[0], apiForeignOrigin} {
		h := []string{"Origin: " + origin}
		req := request("GET", "/users", h, nil)
		t.reproduceHTTP(t.curl("GET", "/users", h, nil), 200)
		resp, err := t.roundTrip(req, want{code: 200})
		if err == nil && origin == apiForeignOrigin {
			err = t.expectNoGrant(req, resp)
		} else if err == nil {
			err = t.expectAllowOrigin(req, resp, origin, fetchCORSCheck)
		}
		if err == nil {
			err = t.adviseVaryOrigin(req, resp)
		}
		if err != nil {
			return annotate(err, "GET /users came from a page of "+origin+"; CORS decides whether the page may read the answer, and the server serves it either way", "")
		}
	}
	return nil
}

// expectAllowOrigin requires Access-Control-Allow-Origin to let origin's
// page read resp: the origin itself, or "*", which the card advises
// against, since an allow-list then means nothing.
func (t *T) expectAllowOrigin(req []byte, resp *response, origin, section string) error {
	got := resp.header("Access-Control-Allow-Origin")
	switch {
	case len(got) == 1 && got[0] == origin:
		return nil
	case len(got) == 1 && got[0] == "*":
		return t.adviseAbout(req, resp, warning{Summary: "Access-Control-Allow-Origin: * lets every origin read the answer", Section: "stages/05-json.md#api-middleware",
			Why: "a browser accepts *, but then -cors-origin allows everyone; the card echoes the origin when it is on the list"})
	}
	summary := fmt.Sprintf("expected Access-Control-Allow-Origin: %s, got %q", origin, strings.Join(got, ", "))
	if len(got) == 0 {
		summary = fmt.Sprintf("expected Access-Control-Allow-Origin: %s, but the answer has none, so the browser keeps it from the page", origin)
	}
	return &failure{Summary: summary, Section: section, Sent: req, Got: resp.raw,
		Hint: "when Origin equals one of the --cors-origin values exactly, send it back in Access-Control-Allow-Origin, once"}
}

// expectNoGrant requires resp to let no page of apiForeignOrigin read it.
// A fixed Access-Control-Allow-Origin naming another origin grants
// nothing, so it is only advised against.
func (t *T) expectNoGrant(req []byte, resp *response) error {
	got := resp.header("Access-Control-Allow-Origin")
	for _, v := range got {
		if v == apiForeignOrigin || v == "*" {
			return &failure{Summary: fmt.Sprintf("Access-Control-Allow-Origin: %s lets a page of %s read the answer", v, apiForeignOrigin), Section: fetchCORSCheck, Sent: req, Got: resp.raw,
				Hint: "compare Origin whole with each allowed origin, never as a prefix or a substring, and send no Access-Control-Allow-Origin for any other"}
		}
	}
	if len(got) > 0 {
		return t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("an origin not on the list got Access-Control-Allow-Origin: %s", got[0]), Section: "stages/05-json.md#api-middleware",
			Why: "another origin's name grants this one nothing; the card sends no CORS header at all to an origin not on the list"})
	}
	return nil
}

// adviseVaryOrigin warns when an answer whose CORS headers depend on
// Origin does not say so in Vary.
func (t *T) adviseVaryOrigin(req []byte, resp *response) error {
	if hasToken(resp.header("Vary"), "Origin") {
		return nil
	}
	return t.adviseAbout(req, resp, warning{Summary: "no Vary: Origin, though whether the answer carries Access-Control-Allow-Origin depends on that header", Section: fetchCaches,
		Why: "a cache could hand one origin's answer to another; browsers that do not cache the URL never notice"})
}

// listTokens reads comma-separated header values into a set of their
// members, lower-cased for the header names and kept as they are too, for
// the method names, which are case-sensitive.
func listTokens(values []string) map[string]bool {
	set := map[string]bool{}
	for _, v := range values {
		for _, m := range strings.Split(v, ",") {
			if m = strings.TrimSpace(m); m != "" {
				set[m] = true
				set[strings.ToLower(m)] = true
			}
		}
	}
	return set
}
