package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzExtraRoutes join the GitHub API in FuzzRouters. The GitHub routes
// have no catch-all and few static/param overlaps, which is where two
// routers are most likely to disagree, so these add them.
var fuzzExtraRoutes = []string{
	"GET /",
	"GET /users/me",                          // static beside :user
	"GET /users/me/repos",                    // ...with a subtree that backtracks
	"PUT /users/me/events/orgs/:org",         // static path, param at the end
	"GET /users/:user/files/*path",           // catch-all after a param
	"GET /repos/:owner/:repo/contents/*path", // catch-all beside many statics
	"PUT /repos/:owner/:repo/contents/*path", //
	"GET /repos/:owner/:repo/:section",       // param beside many statics
	"GET /files/:name",                       // param beside catch-all
	"POST /files/:name",                      //
	"GET /files/*path",                       //
	"GET /files/readme",                      //
	"GET /docs/",                             // trailing slash routes
	"GET /docs/:page/",                       //
	"POST /forms/submit",                     // 308 redirects
	"GET /v1/*rest",                          // catch-all with routes below
	"GET /v1/status",                         //
	"GET /v1/:version/status",                //
	"DELETE /v1/:version/jobs/:job",          //
	"GET /:lang/docs",                        // param at the root
	"GET /:lang/:page",                       //
	"OPTIONS /gists/:id",                     // an explicit OPTIONS route
	"HEAD /gists",                            // an explicit HEAD route
}

// fuzzMethods are the methods FuzzRouters draws from; the fuzzer picks one
// with a byte, which it mutates far better than a string.
var fuzzMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"}

// FuzzRouters is a differential test: both routers hold the same routes,
// and for any request they must pick the same route, with the same
// parameters, and routeRequest must give the same answer (which covers 404,
// 405 with Allow, redirects and decoding). The regex router is simple
// enough to trust, so it is the reference the tree is checked against.
//
// The seeds run on every plain go test; go test -fuzz FuzzRouters
// explores from them.
func FuzzRouters(f *testing.F) {
	routes := fuzzRoutes(f)
	for i, r := range routes {
		method := methodIndex(r.method)
		f.Add(method, r.path, []byte(nil))
		f.Add(method, r.path+"/", []byte(nil))
		f.Add(uint8(i), strings.ReplaceAll(r.path, ":", "x"), []byte{uint8(i), uint8(i >> 1), uint8(i >> 2)})
	}
	for _, p := range []string{
		"/", "//", "", "/users/me/repos/", "/users/me/events/orgs/go", "/users/x/files/",
		"/users/x/files/a//b", "/repos/o/r/contents/", "/repos/o/r/issues/", "/repos/o/r/x",
		"/files/a%2Fb", "/files/a/b%2F", "/files/%zz", "/docs", "/docs/x", "/docs/x/", "/v1",
		"/v1/", "/v1/2/status/", "/v1/2/jobs/3/", "/en/docs", "/en/docs/", "/user/keys/%2F",
		"/gists/1", "/gists/1/", "/forms/submit/", "/users//events", "/users/u/events/orgs/",
	} {
		for m := range fuzzMethods {
			f.Add(uint8(m), p, []byte(p))
		}
	}

	radix, regex := newTree(), newRegexRouter()
	for _, m := range []matcher{radix, regex} {
		for _, r := range routes {
			require.NoError(f, m.add(r.method, r.path, patternHandler(r.method+" "+r.path)))
		}
	}

	words := pathWords(routes)
	f.Fuzz(func(t *testing.T, mi uint8, path string, gen []byte) {
		method := fuzzMethods[int(mi)%len(fuzzMethods)]
		sameAnswer(t, radix, regex, method, path)
		sameAnswer(t, radix, regex, method, generatedPath(words, gen))
	})
}

// sameAnswer requires the two routers to agree on one request.
func sameAnswer(t *testing.T, radix, regex matcher, method, path string) {
	var ps1, ps2 Params
	rt1, allow1 := radix.lookup(method, path, &ps1)
	rt2, allow2 := regex.lookup(method, path, &ps2)
	require.Equal(t, routeName(rt2), routeName(rt1), "%s %q: route", method, path)
	require.Equal(t, orNil(ps2), orNil(ps1), "%s %q: params", method, path)
	require.Equal(t, allow2, allow1, "%s %q: Allow", method, path)

	resp1 := withMatcher(radix).routeRequest(&Request{Method: method, Path: path}, &ps1)
	resp2 := withMatcher(regex).routeRequest(&Request{Method: method, Path: path}, &ps2)
	require.Equal(t, resp2, resp1, "%s %q: response", method, path)
}

// pathWords are the segments generatedPath builds paths from: every static
// segment of the routes, so generated paths walk deep into the tree, and a
// few that test parameters, empty segments and escapes.
func pathWords(routes []githubRoute) []string {
	words := []string{"", "me", "x", "42", "a%2Fb", "%2F", "%zz", ":id", "*"}
	for _, r := range routes {
		for _, w := range strings.Split(r.path, "/") {
			if !strings.HasPrefix(w, ":") && !strings.HasPrefix(w, "*") {
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	return slices.Compact(words)
}

// generatedPath turns fuzz bytes into a path of known words, one segment
// per byte, which finds routes far more often than random strings.
func generatedPath(words []string, gen []byte) string {
	var b strings.Builder
	for _, c := range gen {
		b.WriteString("/" + words[int(c)%len(words)])
	}
	return b.String()
}

// fuzzRoutes is the route set of FuzzRouters: the GitHub API and the
// extras.
func fuzzRoutes(tb testing.TB) []githubRoute {
	routes := githubRoutes(tb)
	for _, r := range fuzzExtraRoutes {
		method, path, _ := strings.Cut(r, " ")
		routes = append(routes, githubRoute{method, path})
	}
	return routes
}

// methodIndex returns method's index in fuzzMethods.
func methodIndex(method string) uint8 {
	for i, m := range fuzzMethods {
		if m == method {
			return uint8(i)
		}
	}
	panic("method not in fuzzMethods: " + method)
}

// patternHandler answers 200 with the route and the decoded params in the
// body, so that comparing two responses compares what a handler saw.
func patternHandler(route string) Handler {
	return func(req *Request) *Response {
		var b strings.Builder
		b.WriteString(route)
		for _, p := range req.Params {
			b.WriteString("\n" + p.Key + "=" + p.Value)
		}
		return textResponse(200, b.String())
	}
}

// routeName names a lookup's route, or "" for none.
func routeName(rt *Route) string {
	if rt == nil {
		return ""
	}
	return rt.Method + " " + rt.Pattern
}

// orNil returns nil for empty Params, which lookup may leave nil or not.
func orNil(ps Params) Params {
	if len(ps) == 0 {
		return nil
	}
	return ps
}
