package main

import (
	"bytes"
	"fmt"
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
	rt.GET("/files/{name}", says("file"))
	rt.GET("/files/special", says("special"))
	rt.GET("/files/deep/{rest}", says("deep"))
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
		{"trailing slash is another path", "GET", "/things/", 404, "", ""},
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
		{"prefix route", "GET", "/files/a.txt", 200, "file", ""},
		{"prefix route with slashes", "GET", "/files/a/b", 200, "file", ""},
		{"prefix route, empty rest", "GET", "/files/", 200, "file", ""},
		{"prefix route needs its slash", "GET", "/files", 404, "", ""},
		{"exact beats prefix", "GET", "/files/special", 200, "special", ""},
		{"longer prefix first", "GET", "/files/deep/x", 200, "deep", ""},
		{"prefix route 405", "POST", "/files/x", 405, "", "GET, HEAD, OPTIONS"},
	}
	handle := testRouter().Handler()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := handle(request(tc.method, tc.target))
			require.NotNil(t, resp)
			assert.Equal(t, tc.wantStatus, resp.Status)
			assert.Equal(t, tc.wantBody, string(resp.Body))
			assert.Equal(t, tc.wantAllow, resp.Header.Get("Allow"))
		})
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
			want:     []string{"route GET /a (router_test.go:", "registered twice; the first registration is at router_test.go:"},
		},
		{
			name:     "duplicate through Handle",
			register: func(rt *Router) { rt.POST("/a", says("1")); rt.Handle("POST", "/a", says("2")) },
			want:     []string{"route POST /a", "registered twice"},
		},
		{
			name:     "same prefix, another parameter name",
			register: func(rt *Router) { rt.GET("/echo/{str}", says("1")); rt.POST("/echo/{word}", says("2")) },
			want:     []string{"route POST /echo/{word}", "/echo/{str} already matches every path under /echo/"},
		},
		{
			name:     "parameter in the middle",
			register: func(rt *Router) { rt.GET("/users/{id}/posts", says("1")) },
			want:     []string{"only as the whole last segment", "stage 4"},
		},
		{
			name:     "parameter inside a segment",
			register: func(rt *Router) { rt.GET("/files/x{name}", says("1")) },
			want:     []string{"only as the whole last segment"},
		},
		{
			name:     "empty parameter name",
			register: func(rt *Router) { rt.GET("/files/{}", says("1")) },
			want:     []string{"only as the whole last segment"},
		},
		{
			name:     "not a path",
			register: func(rt *Router) { rt.GET("echo", says("1")) },
			want:     []string{"a pattern is a path"},
		},
		{
			name:     "query in the pattern",
			register: func(rt *Router) { rt.GET("/a?b=c", says("1")) },
			want:     []string{"a pattern is a path"},
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

func TestAppRoutes(t *testing.T) {
	handle := app.Handler()
	for _, tc := range []struct {
		method, target string
		status         int
		allow          string
	}{
		{"POST", "/", 405, "GET, HEAD, OPTIONS"},
		{"DELETE", "/user-agent", 405, "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/user-agent", 204, "GET, HEAD, OPTIONS"},
		{"PUT", "/echo/abc", 405, "GET, HEAD, OPTIONS"},
		{"HEAD", "/echo/abc", 200, ""},
	} {
		resp := handle(request(tc.method, tc.target))
		assert.Equal(t, tc.status, resp.Status, "%s %s", tc.method, tc.target)
		assert.Equal(t, tc.allow, resp.Header.Get("Allow"), "%s %s", tc.method, tc.target)
	}
}

func TestWriteRoutes(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, app.WriteRoutes(&buf))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 4, buf.String())
	assert.Regexp(t, `^  GET +/ +root +handlers\.go:\d+$`, lines[0])
	assert.Regexp(t, `^  GET +/echo/\{str\} +echo +handlers\.go:\d+$`, lines[1])
	assert.Regexp(t, `^  GET +/user-agent +userAgent +handlers\.go:\d+$`, lines[2])
	assert.Contains(t, lines[3], "OPTIONS")
}
