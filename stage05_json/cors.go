package main

// CORS, cross-origin resource sharing: how a server lets the pages of
// other origins call it from a browser. The browser, not the server,
// enforces the same-origin policy; the server only says, in headers, which
// origins may read its answers (the Fetch standard, "CORS protocol"). A
// request that is not "simple", such as a DELETE or one with an
// Authorization header, is preceded by a preflight: an OPTIONS request
// with Origin and Access-Control-Request-Method, asking leave first.

import (
	"fmt"
	"net/url"
	"strings"
)

// corsAllowHeaders are the request headers a page may send: the JSON body's
// Content-Type, which is not one the browser sends without asking, and the
// bearer token's Authorization, which a wildcard "*" would not cover (the
// Fetch standard never lets "*" stand for Authorization).
const corsAllowHeaders = "Authorization, Content-Type"

// corsExposeHeaders are the response headers a page may read besides the
// few the browser always shows: the new user's Location, the next page's
// Link, and how long to wait after a 429.
const corsExposeHeaders = "Link, Location, Retry-After"

// corsMaxAge is how long, in seconds, a browser may keep a preflight's
// answer and skip the next preflight to the same URL: ten minutes.
// Browsers cap it (Chromium at two hours).
const corsMaxAge = "600"

// originList is the value of the repeatable -cors-origin flag: each Set
// checks one origin and appends it.
type originList []string

func (l *originList) String() string { return strings.Join(*l, " ") }

// Set adds an origin given on the command line, refusing what a browser
// never sends in Origin, so that a typo fails at start-up rather than
// silently matching nothing: an origin is scheme://host[:port], without a
// path, not even "/", and in lower case.
func (l *originList) Set(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.User != nil:
		return fmt.Errorf("%q is not an origin: write scheme://host[:port], such as https://app.example", s)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return fmt.Errorf("%q has more than an origin: a browser's Origin header is scheme://host[:port], with no path, not even a trailing /", s)
	}
	*l = append(*l, strings.ToLower(s))
	return nil
}

// cors returns the middleware that lets pages from origins call the API
// from a browser, or, with no origins, a middleware that adds nothing, so
// that without -cors-origin the server answers exactly as before.
//
// It leaves every request to the handlers it wraps, preflights included:
// the router already answers OPTIONS on a known path with 204 and its
// Allow list (stage 3), and that is the preflight's answer, with the CORS
// headers added. An origin on the list gets Access-Control-Allow-Origin,
// its own value echoed; and on a preflight the methods of Allow, the
// headers a page may send and how long the answer holds. Any other origin
// gets no CORS header at all, so its page cannot read the answer. A
// preflight to an unknown path stays a 404, which the browser treats as a
// refusal. Every answer says Vary: Origin, because whether it carries
// Access-Control-Allow-Origin depends on that request header, even when
// the request had none: a cache must not hand one origin's answer to
// another (the Fetch standard, "CORS protocol and HTTP caches").
func cors(origins []string) Middleware {
	if len(origins) == 0 {
		return func(next Handler) Handler { return next }
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	return func(next Handler) Handler {
		return func(req *Request) *Response {
			resp := next(req)
			resp.Header.Add("Vary", "Origin")
			origin := req.Header.Get("Origin")
			if !allowed[origin] {
				return resp
			}
			resp.Header.Add("Access-Control-Allow-Origin", origin)
			if isPreflight(req) && resp.Status == 204 {
				resp.Header.Add("Access-Control-Allow-Methods", resp.Header.Get("Allow"))
				resp.Header.Add("Access-Control-Allow-Headers", corsAllowHeaders)
				resp.Header.Add("Access-Control-Max-Age", corsMaxAge)
				return resp
			}
			resp.Header.Add("Access-Control-Expose-Headers", corsExposeHeaders)
			return resp
		}
	}
}

// isPreflight reports whether req is a CORS preflight: an OPTIONS request
// with both Origin and Access-Control-Request-Method. Any other OPTIONS,
// such as curl -X OPTIONS, is an ordinary one, answered as in stage 3.
func isPreflight(req *Request) bool {
	return req.Method == "OPTIONS" && req.Header.Get("Origin") != "" && req.Header.Get("Access-Control-Request-Method") != ""
}
