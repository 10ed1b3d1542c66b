package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// says returns a handler that answers 200 with a body naming itself, so a
// test can tell which handler a request reached.
func says(name string) Handler {
	return func(req *Request) *Response { return textResponse(200, name) }
}

// request builds a request as the parser would leave it.
func request(method, target string) *Request {
	r := get(target, Field{"Host", "x"})
	r.Method = method
	return r
}

// testRouter is a small table with every case the dispatch distinguishes.
func testRouter() *Router {
	rt := NewRouter()
	rt.GET("/", says("root"))
	rt.GET("/things", says("list"))
	rt.POST("/things", says("create"))
	rt.Handle("DELETE", "/things/all", says("purge"))
	rt.POST("/upload", says("upload"))
	rt.GET("/files/*path", says("file"))
	rt.GET("/files/special", says("special"))
	rt.GET("/files/deep/*rest", says("deep"))
	rt.Handle("HEAD", "/custom-head", says("own head"))
	rt.GET("/custom-head", says("get"))
	return rt
}

func TestRouterDispatch(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantBody   string
		wantAllow  string // "" means no Allow header
	}{
		{"exact GET", "GET", "/", 200, "root", ""},
		{"query is not part of the path", "GET", "/?x=1", 200, "root", ""},
		{"same path, GET", "GET", "/things", 200, "list", ""},
		{"same path, POST", "POST", "/things", 200, "create", ""},
		{"other method", "DELETE", "/things/all", 200, "purge", ""},
		{"unknown path", "GET", "/nope", 404, "", ""},
		{"unknown path, any method", "PATCH", "/nope", 404, "", ""},
		{"trailing slash redirects", "GET", "/things/", 301, "", ""},
		{"paths are case-sensitive", "GET", "/Things", 404, "", ""},
		{"405 lists GET, HEAD, OPTIONS and POST", "PUT", "/things", 405, "", "GET, HEAD, OPTIONS, POST"},
		{"405 without GET has no HEAD", "GET", "/upload", 405, "", "OPTIONS, POST"},
		{"HEAD without GET is 405 too", "HEAD", "/upload", 405, "", "OPTIONS, POST"},
		{"methods are case-sensitive", "get", "/", 405, "", "GET, HEAD, OPTIONS"},
		{"HEAD runs the GET handler", "HEAD", "/things", 200, "list", ""},
		{"a registered HEAD wins", "HEAD", "/custom-head", 200, "own head", ""},
		{"OPTIONS", "OPTIONS", "/things", 204, "", "GET, HEAD, OPTIONS, POST"},
		{"OPTIONS of an unknown path", "OPTIONS", "/nope", 404, "", ""},
		{"OPTIONS * lists every route's methods", "OPTIONS", "*", 204, "", "DELETE, GET, HEAD, OPTIONS, POST"},
		{"catch-all route", "GET", "/files/a.txt", 200, "file", ""},
		{"catch-all route with slashes", "GET", "/files/a/b", 200, "file", ""},
		{"catch-all route, empty rest", "GET", "/files/", 200, "file", ""},
		{"catch-all route without its slash redirects", "GET", "/files", 301, "", ""},
		{"static beats catch-all", "GET", "/files/special", 200, "special", ""},
		{"static segment before catch-all", "GET", "/files/deep/x", 200, "deep", ""},
		{"catch-all route 405", "POST", "/files/x", 405, "", "GET, HEAD, OPTIONS"},
	}
	for _, r := range routers {
		rt := testRouter()
		require.NoError(t, rt.SetMatcher(r.name))
		handle := rt.Handler()
		for _, tc := range tests {
			t.Run(r.name+"/"+tc.name, func(t *testing.T) {
				resp := handle(request(tc.method, tc.target))
				require.NotNil(t, resp)
				assert.Equal(t, tc.wantStatus, resp.Status)
				assert.Equal(t, tc.wantBody, string(resp.Body))
				assert.Equal(t, tc.wantAllow, resp.Header.Get("Allow"))
			})
		}
	}
}

func TestRouterRegistrationReturnsTheHandler(t *testing.T) {
	rt := NewRouter()
	called := false
	h := rt.GET("/x", func(req *Request) *Response { called = true; return &Response{Status: 200} })
	h(request("GET", "/x"))
	assert.True(t, called, "GET returns the handler it registered, as a decorator returns its function")
}

func TestRouterRejectsBadRegistrations(t *testing.T) {
	tests := []struct {
		name     string
		register func(rt *Router)
		want     []string // parts of the panic message
	}{
		{
			name:     "duplicate",
			register: func(rt *Router) { rt.GET("/a", says("1")); rt.GET("/a", says("2")) },
			want:     []string{"route GET /a (router_test.go:", "GET /a is already registered; the first registration is at router_test.go:"},
		},
		{
			name:     "duplicate through Handle",
			register: func(rt *Router) { rt.POST("/a", says("1")); rt.Handle("POST", "/a", says("2")) },
			want:     []string{"route POST /a", "already registered"},
		},
		{
			name:     "same position, another parameter name",
			register: func(rt *Router) { rt.GET("/echo/:str", says("1")); rt.POST("/echo/:word", says("2")) },
			want:     []string{"route POST /echo/:word", ":word is at the position of :str in GET /echo/:str"},
		},
		{
			name:     "catch-all in the middle",
			register: func(rt *Router) { rt.GET("/files/*path/edit", says("1")) },
			want:     []string{"catch-all *path must be the last segment"},
		},
		{
			name:     "parameter inside a segment",
			register: func(rt *Router) { rt.GET("/files/x:name", says("1")) },
			want:     []string{"a parameter must be a whole segment"},
		},
		{
			name:     "empty parameter name",
			register: func(rt *Router) { rt.GET("/files/:", says("1")) },
			want:     []string{"needs a name"},
		},
		{
			name:     "not a path",
			register: func(rt *Router) { rt.GET("echo", says("1")) },
			want:     []string{"must start with /"},
		},
		{
			name:     "query in the pattern",
			register: func(rt *Router) { rt.GET("/a?b=c", says("1")) },
			want:     []string{"without query"},
		},
		{
			name:     "method not a token",
			register: func(rt *Router) { rt.Handle("GET POST", "/a", says("1")) },
			want:     []string{"the method must be a token"},
		},
		{
			name:     "nil handler",
			register: func(rt *Router) { rt.GET("/a", nil) },
			want:     []string{"route GET /a", "the handler is nil"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var msg string
			func() {
				defer func() { msg = fmt.Sprint(recover()) }()
				tc.register(NewRouter())
			}()
			for _, part := range tc.want {
				assert.Contains(t, msg, part)
			}
		})
	}
}

// TestRouterDuplicateKeepsTheFirst checks that a refused registration does
// not change the table.
func TestRouterDuplicateKeepsTheFirst(t *testing.T) {
	rt := NewRouter()
	rt.GET("/a", says("first"))
	assert.Panics(t, func() { rt.GET("/a", says("second")) })
	assert.Equal(t, "first", string(rt.Handler()(request("GET", "/a")).Body))
}

// appHandler returns the application's routes, matched by the named
// matcher, without middleware. It copies app's registrations and its
// answers to 400, 404 and 405 into a new Router, so that no test changes
// app itself.
func appHandler(t testing.TB, matcher string) Handler {
	t.Helper()
	rt := &Router{routes: app.routes, NotFound: app.NotFound, MethodNotAllowed: app.MethodNotAllowed, BadRequest: app.BadRequest}
	require.NoError(t, rt.SetMatcher(matcher))
	return rt.Handler()
}

// TestAppRoutes checks the stage's own routes, those the tester asks for,
// with both matchers, and the router's answers, which are JSON now. The
// file routes are in files_test.go, the users resource in users_test.go.
func TestAppRoutes(t *testing.T) {
	notAllowed := func(allow string) string {
		return `{"error":"method not allowed; this path allows ` + allow + `"}` + "\n"
	}
	tests := []struct {
		method, target string
		status         int
		body           string
		allow          string
		location       string
	}{
		{"GET", "/users/42", 404, `{"error":"user 42 not found"}` + "\n", "", ""}, // no test adds to the app's store
		{"GET", "/users/me", 404, `{"error":"user \"me\" not found"}` + "\n", "", ""},
		{"GET", "/users/42/posts/7", 404, `{"error":"no resource at /users/42/posts/7"}` + "\n", "", ""},
		{"GET", "/users", 200, "[]\n", "", ""},
		{"GET", "/users/a%20b", 404, `{"error":"user \"a b\" not found"}` + "\n", "", ""},
		{"GET", "/echo/hello", 200, "hello", "", ""},
		{"GET", "/echo/hello%2Fworld", 200, "hello/world", "", ""},
		{"HEAD", "/echo/abc", 200, "abc", "", ""}, // the serve loop drops the body
		{"GET", "/echo/%zz", 400, `{"error":"bad percent-encoding in path: parameter msg: invalid URL escape \"%zz\""}` + "\n", "", ""},
		{"POST", "/", 405, notAllowed("GET, HEAD, OPTIONS"), "GET, HEAD, OPTIONS", ""},
		{"DELETE", "/user-agent", 405, notAllowed("GET, HEAD, OPTIONS"), "GET, HEAD, OPTIONS", ""},
		{"OPTIONS", "/user-agent", 204, "", "GET, HEAD, OPTIONS", ""},
		{"PUT", "/echo/abc", 405, notAllowed("GET, HEAD, OPTIONS"), "GET, HEAD, OPTIONS", ""},
		{"POST", "/users/me", 405, notAllowed("DELETE, GET, HEAD, OPTIONS, PUT"), "DELETE, GET, HEAD, OPTIONS, PUT", ""},
		{"PATCH", "/users", 405, notAllowed("GET, HEAD, OPTIONS, POST"), "GET, HEAD, OPTIONS, POST", ""},
		{"PUT", "/files/a.txt", 405, notAllowed("GET, HEAD, OPTIONS, POST"), "GET, HEAD, OPTIONS, POST", ""},
		{"POST", "/files/a/b", 405, notAllowed("GET, HEAD, OPTIONS"), "GET, HEAD, OPTIONS", ""},
		{"OPTIONS", "/files/a.txt", 204, "", "GET, HEAD, OPTIONS, POST", ""},
		{"GET", "/users/%zz", 400, `{"error":"bad percent-encoding in path: parameter id: invalid URL escape \"%zz\""}` + "\n", "", ""},
		{"GET", "/users/", 301, "", "", "/users"},
		{"GET", "/users/42/posts", 404, `{"error":"no resource at /users/42/posts"}` + "\n", "", ""},
		{"GET", "/echo/", 404, `{"error":"no resource at /echo/"}` + "\n", "", ""},
		{"GET", "/echo/a/b", 404, `{"error":"no resource at /echo/a/b"}` + "\n", "", ""},
		{"GET", "/users/42/?x=1", 301, "", "", "/users/42?x=1"},
		{"GET", "/user-agent/", 301, "", "", "/user-agent"},
		{"GET", "/files", 301, "", "", "/files/"},
		{"POST", "/files/a.txt/", 405, notAllowed("GET, HEAD, OPTIONS"), "GET, HEAD, OPTIONS", ""}, // GET /files/*path matches: no redirect
	}
	for _, r := range routers {
		handle := appHandler(t, r.name)
		for _, tc := range tests {
			t.Run(r.name+"/"+tc.method+" "+tc.target, func(t *testing.T) {
				resp := handle(request(tc.method, tc.target))
				assert.Equal(t, tc.status, resp.Status)
				assert.Equal(t, tc.body, string(resp.Body))
				assert.Equal(t, tc.allow, resp.Header.Get("Allow"))
				assert.Equal(t, tc.location, resp.Header.Get("Location"))
			})
		}
	}
}

func TestSetMatcher(t *testing.T) {
	rt := NewRouter()
	rt.GET("/users/:id", says("user"))
	assert.IsType(t, &tree{}, rt.m, "the radix tree is the default")
	require.NoError(t, rt.SetMatcher("regex"))
	assert.IsType(t, &regexRouter{}, rt.m)
	assert.Equal(t, "user", string(rt.Handler()(request("GET", "/users/1")).Body), "the routes moved over")
	rt.GET("/users/me", says("me"))
	assert.Equal(t, "me", string(rt.Handler()(request("GET", "/users/me")).Body), "later routes go to the new matcher")
	assert.ErrorContains(t, rt.SetMatcher("trie"), `no router called "trie": choose radix or regex`)
	assert.IsType(t, &regexRouter{}, rt.m, "a failed SetMatcher changes nothing")
}

func TestWriteRoutes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, app.WriteRoutes(&buf))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 12, buf.String())
	assert.Regexp(t, `^  GET +/ +root +handlers\.go:\d+$`, lines[0])
	assert.Regexp(t, `^  GET +/echo/:msg +echo +handlers\.go:\d+$`, lines[1])
	assert.Regexp(t, `^  GET +/events +\(\*eventHub\)\.stream +events\.go:\d+$`, lines[2])
	assert.Regexp(t, `^  GET +/files/\*path +getFile +files\.go:\d+$`, lines[3])
	assert.Regexp(t, `^  POST +/files/:name +postFile +files\.go:\d+$`, lines[4])
	assert.Regexp(t, `^  GET +/user-agent +userAgent +handlers\.go:\d+$`, lines[5])
	assert.Regexp(t, `^  GET +/users +\(\*userStore\)\.list +users\.go:\d+$`, lines[6])
	assert.Regexp(t, `^  POST +/users +\(\*userStore\)\.create via \(\*tokenSet\)\.require +users\.go:\d+$`, lines[7])
	assert.Regexp(t, `^  DELETE +/users/:id +JSON\(\.\.\.\) via \(\*tokenSet\)\.require +users\.go:\d+$`, lines[8])
	assert.Regexp(t, `^  GET +/users/:id +JSON\(\.\.\.\) +users\.go:\d+$`, lines[9])
	assert.Regexp(t, `^  PUT +/users/:id +JSON\(\.\.\.\) via \(\*tokenSet\)\.require +users\.go:\d+$`, lines[10])
	assert.Contains(t, lines[11], "OPTIONS")
}

// TestFuncName checks the names the route table gives handlers, made-up
// names included.
func TestFuncName(t *testing.T) {
	assert.Equal(t, "userAgent", funcName(userAgent))
	assert.Equal(t, "(*userStore).create", funcName(users.create), "a method value, without -fm")
	assert.Equal(t, "JSON(...)", funcName(JSON(users.get)), "the adapter JSON returns")
	assert.Equal(t, "TestFuncName(...)", funcName(func(*Request) *Response { return nil }), "a literal, by the function it is in")
	assert.Equal(t, "(*tokenSet).require", funcName(Middleware(tokens.require)), "a middleware")
}

// TestRouteMiddleware checks that a route's own middleware wraps that
// route alone, the first outermost, inside the router's, and that Handle
// still returns the handler as given.
func TestRouteMiddleware(t *testing.T) {
	var trace []string
	rt := NewRouter()
	rt.Use(tracing(&trace, "global"))
	h := says("inner")
	got := rt.GET("/a", h, tracing(&trace, "outer"), tracing(&trace, "inner"))
	rt.GET("/b", says("b"))
	assert.Equal(t, funcName(h), funcName(got), "GET returns the handler, not the chain")

	resp := rt.Handler()(request("GET", "/a"))
	assert.Equal(t, "inner", string(resp.Body))
	assert.Equal(t, []string{"global before", "outer before", "inner before", "inner after", "outer after", "global after"}, trace)

	trace = nil
	rt.Handler()(request("GET", "/b"))
	assert.Equal(t, []string{"global before", "global after"}, trace, "another route does not get /a's middleware")

	trace = nil
	require.NoError(t, rt.SetMatcher("regex"))
	rt.Handler()(request("GET", "/a"))
	assert.Len(t, trace, 6, "the regex matcher gets the wrapped route too")

	defer func() {
		assert.Regexp(t, `^route GET /c \(router_test\.go:\d+\): a middleware is nil$`, recover())
	}()
	rt.GET("/c", h, nil)
}

// TestRouteGroup checks a group: its prefix before each route's pattern,
// its middleware around each of its routes, outside the route's own and
// inside the global ones, and nothing of it on routes outside the group.
func TestRouteGroup(t *testing.T) {
	var trace []string
	rt := NewRouter()
	rt.Use(tracing(&trace, "global"))
	g := rt.Group("/admin", tracing(&trace, "group"))
	h := says("stats")
	assert.Equal(t, funcName(h), funcName(g.GET("/stats", h, tracing(&trace, "route"))), "GET returns the handler")
	g.POST("", says("created"))
	g.Handle("DELETE", "/:id", says("deleted"))
	rt.GET("/open", says("open"))

	tests := []struct {
		method, path, body string
		trace              []string
	}{
		{"GET", "/admin/stats", "stats", []string{"global before", "group before", "route before", "route after", "group after", "global after"}},
		{"POST", "/admin", "created", []string{"global before", "group before", "group after", "global after"}},
		{"DELETE", "/admin/7", "deleted", []string{"global before", "group before", "group after", "global after"}},
		{"GET", "/open", "open", []string{"global before", "global after"}},
	}
	for _, tt := range tests {
		trace = nil
		resp := rt.Handler()(request(tt.method, tt.path))
		assert.Equal(t, tt.body, string(resp.Body), "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.trace, trace, "%s %s", tt.method, tt.path)
	}

	var table strings.Builder
	require.NoError(t, rt.WriteRoutes(&table))
	assert.Regexp(t, `GET +/admin/stats +says\(\.\.\.\) via tracing\(\.\.\.\), tracing\(\.\.\.\) +router_test\.go:\d+`, table.String(), "the table names the group's middleware and the route's, where the route is written")
}

// withMatcher returns a router with NewRouter's answers to 400, 404 and
// 405 that matches with m, for the tests that fill a matcher themselves.
func withMatcher(m matcher) *Router {
	rt := NewRouter()
	rt.m = m
	return rt
}

// routers lists the two implementations of matcher, so every behaviour
// test runs against both: they must be interchangeable.
var routers = []struct {
	name string
	new  func() matcher
}{
	{"radix", func() matcher { return newTree() }},
	{"regex", func() matcher { return newRegexRouter() }},
}

// served is what a test handler saw: the route that ran and its Params.
type served struct {
	route  string // "GET /users/:id"
	params Params
}

// build registers every "METHOD /pattern" of routes in m with a handler
// that records what it was called with in *got and answers 200.
func build(t testing.TB, m matcher, routes []string, got *served) {
	t.Helper()
	for _, r := range routes {
		method, pattern, _ := strings.Cut(r, " ")
		route := r
		require.NoError(t, m.add(method, pattern, func(req *Request) *Response {
			*got = served{route: route, params: append(Params(nil), req.Params...)}
			return &Response{Status: 200}
		}), "add %s", r)
	}
}

// tableRoutes are the routes of TestRouting. The comments say what each
// one is there to show.
var tableRoutes = []string{
	"GET /",
	"GET /about",
	"GET /users/me",                   // static beats :id
	"GET /users/:id",                  // ...which has two methods,
	"DELETE /users/:id",               // so a third gets 405
	"GET /users/:id/posts/:post_id",   // backtracking from /users/me
	"GET /teams/:team/members/:user",  // several parameters
	"GET /echo/:msg",                  // percent-decoding
	"GET /static/*filepath",           // a catch-all, possibly empty
	"GET /files/readme",               // static beats param beats catch-all
	"GET /files/:name",                //
	"POST /files/:name",               //
	"GET /files/*path",                //
	"GET /docs/",                      // a route with a trailing slash
	"POST /forms/submit",              // 308, not 301
	"GET /v1/*rest",                   // catch-all under a static
	"GET /v1/:version/status",         // ...and a param route below it
	"GET /users/:id/files/*path",      // catch-all after a param
	"PUT /users/:id/files/avatar.png", // static below a param
}

// TestRouting runs one table of requests against both routers, through
// routeRequest, so it covers matching, 404, 405 with Allow, OPTIONS, the
// trailing-slash redirects and percent-decoding at once. It registers the
// routes forwards and backwards: priority, not order, picks the route.
func TestRouting(t *testing.T) {
	type want struct {
		status   int
		route    string // the route that served it, for 200
		params   Params // its decoded parameters, for 200
		allow    string // for 204 and 405
		location string // for 301 and 308
	}
	tests := []struct {
		name, method, path, query string
		want                      want
	}{
		{name: "root", method: "GET", path: "/", want: want{status: 200, route: "GET /"}},
		{name: "static", method: "GET", path: "/about", want: want{status: 200, route: "GET /about"}},
		{name: "param", method: "GET", path: "/users/42", want: want{status: 200, route: "GET /users/:id", params: Params{{"id", "42"}}}},
		{name: "static beats param", method: "GET", path: "/users/me", want: want{status: 200, route: "GET /users/me"}},
		{name: "static without the method falls back to param", method: "DELETE", path: "/users/me", want: want{status: 200, route: "DELETE /users/:id", params: Params{{"id", "me"}}}},
		{name: "two params", method: "GET", path: "/users/42/posts/7", want: want{status: 200, route: "GET /users/:id/posts/:post_id", params: Params{{"id", "42"}, {"post_id", "7"}}}},
		{name: "backtracking from static to param", method: "GET", path: "/users/me/posts/3", want: want{status: 200, route: "GET /users/:id/posts/:post_id", params: Params{{"id", "me"}, {"post_id", "3"}}}},
		{name: "params keep pattern order", method: "GET", path: "/teams/go/members/rob", want: want{status: 200, route: "GET /teams/:team/members/:user", params: Params{{"team", "go"}, {"user", "rob"}}}},
		{name: "catch-all", method: "GET", path: "/static/css/site.css", want: want{status: 200, route: "GET /static/*filepath", params: Params{{"filepath", "css/site.css"}}}},
		{name: "empty catch-all", method: "GET", path: "/static/", want: want{status: 200, route: "GET /static/*filepath", params: Params{{"filepath", ""}}}},
		{name: "catch-all keeps empty segments", method: "GET", path: "/static//a//", want: want{status: 200, route: "GET /static/*filepath", params: Params{{"filepath", "/a//"}}}},
		{name: "static beats param and catch-all", method: "GET", path: "/files/readme", want: want{status: 200, route: "GET /files/readme"}},
		{name: "param beats catch-all", method: "GET", path: "/files/a.txt", want: want{status: 200, route: "GET /files/:name", params: Params{{"name", "a.txt"}}}},
		{name: "catch-all takes several segments", method: "GET", path: "/files/a/b.txt", want: want{status: 200, route: "GET /files/*path", params: Params{{"path", "a/b.txt"}}}},
		{name: "param on another method", method: "POST", path: "/files/readme", want: want{status: 200, route: "POST /files/:name", params: Params{{"name", "readme"}}}},
		{name: "backtracking from param to catch-all", method: "GET", path: "/v1/2/other", want: want{status: 200, route: "GET /v1/*rest", params: Params{{"rest", "2/other"}}}},
		{name: "param below catch-all's node", method: "GET", path: "/v1/2/status", want: want{status: 200, route: "GET /v1/:version/status", params: Params{{"version", "2"}}}},
		{name: "catch-all after param", method: "GET", path: "/users/7/files/a/b", want: want{status: 200, route: "GET /users/:id/files/*path", params: Params{{"id", "7"}, {"path", "a/b"}}}},
		{name: "backtracking drops the failed branch's params", method: "GET", path: "/users/7/files/avatar.png", want: want{status: 200, route: "GET /users/:id/files/*path", params: Params{{"id", "7"}, {"path", "avatar.png"}}}},
		{name: "HEAD is served by GET", method: "HEAD", path: "/users/42", want: want{status: 200, route: "GET /users/:id", params: Params{{"id", "42"}}}},

		{name: "405 lists the path's methods", method: "PUT", path: "/users/42", want: want{status: 405, allow: "DELETE, GET, HEAD, OPTIONS"}},
		{name: "405 unites every matching route", method: "PUT", path: "/files/x", want: want{status: 405, allow: "GET, HEAD, OPTIONS, POST"}},
		{name: "405 for a catch-all only path", method: "POST", path: "/files/a/b", want: want{status: 405, allow: "GET, HEAD, OPTIONS"}},
		{name: "405 unites static and param routes", method: "POST", path: "/users/me", want: want{status: 405, allow: "DELETE, GET, HEAD, OPTIONS"}},
		{name: "OPTIONS answers with Allow", method: "OPTIONS", path: "/users/42", want: want{status: 204, allow: "DELETE, GET, HEAD, OPTIONS"}},
		{name: "OPTIONS on root", method: "OPTIONS", path: "/", want: want{status: 204, allow: "GET, HEAD, OPTIONS"}},

		{name: "no route", method: "GET", path: "/nope", want: want{status: 404}},
		{name: "no route, any method", method: "DELETE", path: "/nope", want: want{status: 404}},
		{name: "prefix of a route", method: "GET", path: "/abo", want: want{status: 404}},
		{name: "longer than a route", method: "GET", path: "/about/us", want: want{status: 404}},
		{name: "param needs a segment", method: "GET", path: "/echo/", want: want{status: 404}},
		{name: "empty segment is no param", method: "GET", path: "/users//posts/7", want: want{status: 404}},
		{name: "empty segment at the end", method: "GET", path: "/users/42//", want: want{status: 404}},
		{name: "not a path", method: "GET", path: "about", want: want{status: 404}},
		{name: "empty path", method: "GET", path: "", want: want{status: 404}},
		{name: "methods are case-sensitive", method: "get", path: "/about", want: want{status: 405, allow: "GET, HEAD, OPTIONS"}},

		{name: "encoded slash stays in its segment", method: "GET", path: "/echo/a%2Fb", want: want{status: 200, route: "GET /echo/:msg", params: Params{{"msg", "a/b"}}}},
		{name: "encoded slash in a param before others", method: "GET", path: "/users/a%2fb/posts/1", want: want{status: 200, route: "GET /users/:id/posts/:post_id", params: Params{{"id", "a/b"}, {"post_id", "1"}}}},
		{name: "a real slash splits", method: "GET", path: "/echo/a/b", want: want{status: 404}},
		{name: "percent-decoded value", method: "GET", path: "/echo/caf%C3%A9%20au%20lait", want: want{status: 200, route: "GET /echo/:msg", params: Params{{"msg", "café au lait"}}}},
		{name: "plus is not a space in a path", method: "GET", path: "/echo/a+b", want: want{status: 200, route: "GET /echo/:msg", params: Params{{"msg", "a+b"}}}},
		{name: "catch-all is decoded too", method: "GET", path: "/static/a%20b/c%2Fd", want: want{status: 200, route: "GET /static/*filepath", params: Params{{"filepath", "a b/c/d"}}}},
		{name: "static segments match raw", method: "GET", path: "/%61bout", want: want{status: 404}},
		{name: "bad escape is 400", method: "GET", path: "/echo/100%", want: want{status: 400}},
		{name: "bad hex is 400", method: "GET", path: "/echo/%zz", want: want{status: 400}},

		{name: "GET drops a trailing slash with 301", method: "GET", path: "/about/", want: want{status: 301, location: "/about"}},
		{name: "HEAD redirects with 301", method: "HEAD", path: "/about/", want: want{status: 301, location: "/about"}},
		{name: "GET adds a trailing slash with 301", method: "GET", path: "/docs", want: want{status: 301, location: "/docs/"}},
		{name: "POST redirects with 308", method: "POST", path: "/forms/submit/", want: want{status: 308, location: "/forms/submit"}},
		{name: "redirect keeps the query", method: "GET", path: "/about/", query: "x=1&y=%20", want: want{status: 301, location: "/about?x=1&y=%20"}},
		{name: "redirect to a param route", method: "GET", path: "/users/42/", want: want{status: 301, location: "/users/42"}},
		{name: "redirect for DELETE is 308", method: "DELETE", path: "/users/42/", want: want{status: 308, location: "/users/42"}},
		{name: "redirect to an empty catch-all", method: "GET", path: "/static", want: want{status: 301, location: "/static/"}},
		{name: "OPTIONS redirects with 308", method: "OPTIONS", path: "/about/", want: want{status: 308, location: "/about"}},
		{name: "no redirect when the method would not be served", method: "GET", path: "/forms/submit/", want: want{status: 404}},
		{name: "no redirect for an unknown method", method: "PUT", path: "/users/42/", want: want{status: 404}},
		{name: "double slash redirects to root", method: "GET", path: "//", want: want{status: 301, location: "/"}},
		{name: "only one slash is toggled", method: "GET", path: "/about//", want: want{status: 404}},
	}
	backward := slices.Clone(tableRoutes)
	slices.Reverse(backward)
	for _, r := range routers {
		for _, order := range []struct {
			name   string
			routes []string
		}{{"forward", tableRoutes}, {"backward", backward}} {
			t.Run(r.name+"/"+order.name, func(t *testing.T) {
				m := r.new()
				var got served
				build(t, m, order.routes, &got)
				ps := make(Params, 0, 4)
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						got = served{}
						resp := withMatcher(m).routeRequest(&Request{Method: tt.method, Path: tt.path, RawQuery: tt.query}, &ps)
						require.Equal(t, tt.want.status, resp.Status)
						assert.Equal(t, tt.want.route, got.route, "route")
						assert.Equal(t, tt.want.params, got.params, "params")
						assert.Equal(t, tt.want.allow, resp.Header.Get("Allow"), "Allow")
						assert.Equal(t, tt.want.location, resp.Header.Get("Location"), "Location")
					})
				}
			})
		}
	}
}

// TestLookupValuesAreRaw checks that lookup leaves decoding to
// routeRequest: the values are the raw segments of the path.
func TestLookupValuesAreRaw(t *testing.T) {
	for _, r := range routers {
		t.Run(r.name, func(t *testing.T) {
			m := r.new()
			build(t, m, tableRoutes, new(served))
			var ps Params
			rt, allow := m.lookup("GET", "/users/a%2Fb/posts/%zz", &ps)
			require.NotNil(t, rt)
			assert.Equal(t, "/users/:id/posts/:post_id", rt.Pattern)
			assert.Empty(t, allow)
			assert.Equal(t, Params{{"id", "a%2Fb"}, {"post_id", "%zz"}}, ps)
			assert.Equal(t, "a%2Fb", ps.Get("id"))
			assert.Equal(t, "", ps.Get("nope"))

			rt, _ = m.lookup("GET", "/about", &ps)
			require.NotNil(t, rt)
			assert.Empty(t, ps, "lookup resets the params")
		})
	}
}

// TestTreeLookupAllocs checks the radix tree's promise: once the caller's
// Params have room, a lookup that matches allocates nothing.
func TestTreeLookupAllocs(t *testing.T) {
	m := newTree()
	build(t, m, tableRoutes, new(served))
	ps := make(Params, 0, 4)
	for _, path := range []string{"/about", "/users/me", "/users/42", "/users/me/posts/3", "/static/a/b/c", "/v1/2/other"} {
		allocs := testing.AllocsPerRun(100, func() {
			if rt, _ := m.lookup("GET", path, &ps); rt == nil {
				t.Fatalf("no route for %s", path)
			}
		})
		assert.Zero(t, allocs, "GET %s", path)
	}
}

// TestConflicts checks that both routers refuse the same bad routes, with
// the same message, naming the route that was there first.
func TestConflicts(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		add      string
		conflict bool   // ErrConflict rather than ErrPattern
		msg      string // the whole error message
	}{
		{
			name: "param names at the same position", existing: []string{"GET /users/:id"}, add: "GET /users/:name", conflict: true,
			msg: "add GET /users/:name: conflicting routes: :name is at the position of :id in GET /users/:id; one position has one name for every method",
		},
		{
			name: "names differ across methods", existing: []string{"GET /users/:id/posts"}, add: "DELETE /users/:uid", conflict: true,
			msg: "add DELETE /users/:uid: conflicting routes: :uid is at the position of :id in GET /users/:id/posts; one position has one name for every method",
		},
		{
			name: "names differ deeper down", existing: []string{"GET /", "GET /a/:x/b/:y"}, add: "GET /a/:x/c/:z/d", conflict: false,
		},
		{
			name: "second param differs", existing: []string{"GET /a/:x/:y"}, add: "PUT /a/:x/:z", conflict: true,
			msg: "add PUT /a/:x/:z: conflicting routes: :z is at the position of :y in GET /a/:x/:y; one position has one name for every method",
		},
		{
			name: "catch-all names", existing: []string{"GET /files/*path"}, add: "POST /files/*name", conflict: true,
			msg: "add POST /files/*name: conflicting routes: *name is at the position of *path in GET /files/*path; one position has one name for every method",
		},
		{
			name: "duplicate", existing: []string{"GET /users/:id"}, add: "GET /users/:id", conflict: true,
			msg: "add GET /users/:id: conflicting routes: GET /users/:id is already registered",
		},
		{
			name: "duplicate static", existing: []string{"GET /", "POST /"}, add: "POST /", conflict: true,
			msg: "add POST /: conflicting routes: POST / is already registered",
		},
		{
			name: "catch-all not last", add: "GET /files/*path/edit",
			msg: `add GET /files/*path/edit: invalid route: pattern "/files/*path/edit": catch-all *path must be the last segment, but "edit" follows it`,
		},
		{
			name: "param inside a segment", add: "GET /user_:id",
			msg: `add GET /user_:id: invalid route: pattern "/user_:id": segment "user_:id" holds ':' or '*'; a parameter must be a whole segment`,
		},
		{
			name: "param without a name", add: "GET /users/:",
			msg: `add GET /users/:: invalid route: pattern "/users/:": parameter ":" needs a name of letters, digits and _`,
		},
		{
			name: "two params of one name", add: "GET /a/:x/b/:x",
			msg: `add GET /a/:x/b/:x: invalid route: pattern "/a/:x/b/:x" names two parameters x`,
		},
		{
			name: "no leading slash", add: "GET users",
			msg: `add GET users: invalid route: pattern "users" must start with /`,
		},
		{
			name: "empty segment", add: "GET /a//b",
			msg: `add GET /a//b: invalid route: pattern "/a//b" has an empty segment (//), which no parameter could match`,
		},
		{
			name: "query in pattern", add: "GET /a?b=1",
			msg: `add GET /a?b=1: invalid route: pattern "/a?b=1" has byte '?' at 2; a pattern is a raw path, without query, and other bytes arrive percent-encoded`,
		},
		{
			name: "method not a token", add: "GE/T /a",
			msg: `add GE/T /a: invalid route: method "GE/T" is not a token`,
		},
	}
	for _, r := range routers {
		t.Run(r.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					m := r.new()
					build(t, m, tt.existing, new(served))
					method, pattern, _ := strings.Cut(tt.add, " ")
					err := m.add(method, pattern, func(*Request) *Response { return nil })
					if tt.msg == "" {
						require.NoError(t, err)
						return
					}
					require.Error(t, err)
					assert.Equal(t, tt.msg, err.Error())
					if tt.conflict {
						assert.ErrorIs(t, err, ErrConflict)
					} else {
						assert.ErrorIs(t, err, ErrPattern)
					}
				})
			}
		})
	}
}

// TestFailedAddChangesNothing checks that a refused route leaves the
// router answering as before, so a server that logs the error and goes on
// is not left half-configured.
func TestFailedAddChangesNothing(t *testing.T) {
	for _, r := range routers {
		t.Run(r.name, func(t *testing.T) {
			m := r.new()
			build(t, m, []string{"GET /users/:id", "GET /users/:id/posts/:post_id"}, new(served))
			h := func(*Request) *Response { return nil }
			require.Error(t, m.add("GET", "/users/:id/posts/:pid/likes", h))
			require.Error(t, m.add("POST", "/users/:name", h))
			require.Error(t, m.add("GET", "/users/:id", h))

			var ps Params
			rt, _ := m.lookup("GET", "/users/1/posts/2", &ps)
			require.NotNil(t, rt)
			assert.Equal(t, Params{{"id", "1"}, {"post_id", "2"}}, ps)
			rt, allow := m.lookup("POST", "/users/1", &ps)
			assert.Nil(t, rt)
			assert.Equal(t, "GET, HEAD, OPTIONS", allow)
			rt, allow = m.lookup("GET", "/users/1/posts/2/likes", &ps)
			assert.Nil(t, rt)
			assert.Empty(t, allow)

			// The names the failed routes tried are still free for a
			// correct route at another place.
			require.NoError(t, m.add("GET", "/users/:id/posts/:post_id/likes", h))
		})
	}
}

// TestRedirectNeverLeavesTheHost checks slashRedirect's guard: a Location
// starting with "//" names another host, so it is never offered, even if
// some router matched it.
func TestRedirectNeverLeavesTheHost(t *testing.T) {
	resp := withMatcher(onlyPath("//evil.example")).routeRequest(&Request{Method: "GET", Path: "//evil.example/"}, new(Params))
	assert.Equal(t, 404, resp.Status)
	resp = withMatcher(onlyPath("/good")).routeRequest(&Request{Method: "GET", Path: "/good/"}, new(Params))
	assert.Equal(t, 301, resp.Status, "the stub must redirect to a harmless path")
}

// onlyPath is a matcher that serves GET for one path and nothing else,
// which no real pattern could do for "//evil.example".
type onlyPath string

func (p onlyPath) add(string, string, Handler) error { return nil }

func (p onlyPath) lookup(method, path string, ps *Params) (*Route, string) {
	if method == "GET" && path == string(p) {
		return &Route{Method: "GET", Pattern: path}, ""
	}
	return nil, ""
}

// TestDump checks the drawing of the tree the workbook's chapter shows.
func TestDump(t *testing.T) {
	m := newTree()
	build(t, m, []string{
		"GET /users/:id",
		"GET /users/me",
		"GET /users/:id/posts/:post_id",
		"GET /files/*path",
		"GET /echo/:msg",
		"GET /",
	}, new(served))
	var b strings.Builder
	m.dump(&b)
	assert.Equal(t, `/                         GET /
├── echo/
│   └── :msg              GET /echo/:msg
├── files/
│   └── *path             GET /files/*path
└── users/
    ├── me                GET /users/me
    └── :id               GET /users/:id
        └── /posts/
            └── :post_id  GET /users/:id/posts/:post_id
`, b.String())
}

// TestTreeIgnoresOrder checks that the tree's shape does not depend on the
// order of registration, forwards or backwards.
func TestTreeIgnoresOrder(t *testing.T) {
	routes := githubRoutes(t)
	forward, backward := newTree(), newTree()
	for i := range routes {
		rf, rb := routes[i], routes[len(routes)-1-i]
		require.NoError(t, forward.add(rf.method, rf.path, nil))
		require.NoError(t, backward.add(rb.method, rb.path, nil))
	}
	var a, b strings.Builder
	forward.dump(&a)
	backward.dump(&b)
	assert.Equal(t, a.String(), b.String())
}

// TestGitHubRoutes checks that both routers take the whole GitHub API and
// find every route from its own pattern used as a path, with ":name" as
// each parameter's value.
func TestGitHubRoutes(t *testing.T) {
	routes := githubRoutes(t)
	require.Len(t, routes, 203)
	for _, r := range routers {
		t.Run(r.name, func(t *testing.T) {
			m := r.new()
			for _, rt := range routes {
				require.NoError(t, m.add(rt.method, rt.path, nil))
			}
			var ps Params
			for _, want := range routes {
				rt, _ := m.lookup(want.method, want.path, &ps)
				require.NotNil(t, rt, "%s %s", want.method, want.path)
				assert.Equal(t, want.method+" "+want.path, rt.Method+" "+rt.Pattern)
				for _, p := range ps {
					assert.Equal(t, ":"+p.Key, p.Value)
				}
			}
		})
	}
}

// githubRoute is one line of testdata/github-api-routes.txt.
type githubRoute struct{ method, path string }

// githubRoutes reads testdata/github-api-routes.txt, skipping comments.
func githubRoutes(tb testing.TB) []githubRoute {
	tb.Helper()
	f, err := os.Open("testdata/github-api-routes.txt")
	require.NoError(tb, err)
	defer f.Close()
	var routes []githubRoute
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		method, path, ok := strings.Cut(line, " ")
		require.True(tb, ok, "line %q", line)
		routes = append(routes, githubRoute{method, path})
	}
	require.NoError(tb, sc.Err())
	return routes
}

// TestConcurrentLookups runs lookups from several goroutines at once, each
// with its own Params, for go test -race to check that lookup only reads.
func TestConcurrentLookups(t *testing.T) {
	for _, r := range routers {
		t.Run(r.name, func(t *testing.T) {
			m := r.new()
			build(t, m, tableRoutes, new(served))
			done := make(chan Params)
			for g := 0; g < 4; g++ {
				go func() {
					var ps Params
					for i := 0; i < 100; i++ {
						m.lookup("GET", "/users/me/posts/3", &ps)
						m.lookup("PUT", "/files/x", &ps)
					}
					m.lookup("GET", "/users/me/posts/3", &ps)
					done <- ps
				}()
			}
			for g := 0; g < 4; g++ {
				assert.Equal(t, Params{{"id", "me"}, {"post_id", "3"}}, <-done)
			}
		})
	}
}
