package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		req        *Request
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"root", get("/"), 200, "", ""},
		{"root with query", get("/?a=b"), 200, "", ""},
		{"echo", get("/echo/abc"), 200, "text/plain", "abc"},
		{"echo decodes escapes", get("/echo/b%20c%2Fd?q=1"), 200, "text/plain", "b c/d"},
		{"echo of nothing", get("/echo/"), 404, "", ""},
		{"echo of two segments", get("/echo/a/b"), 404, "", ""},
		{"user agent", get("/user-agent", Field{"Host", "x"}, Field{"user-agent", "foobar/1.2.3"}), 200, "text/plain", "foobar/1.2.3"},
		{"echo without slash", get("/echo"), 404, "", ""},
		{"unknown path", get("/nope"), 404, "", ""},
		{"POST to a GET route", &Request{Method: "POST", Path: "/", Target: "/", Version: "HTTP/1.1"}, 405, "", ""},
		{"method is case-sensitive", &Request{Method: "get", Path: "/", Target: "/", Version: "HTTP/1.1"}, 405, "", ""},
	}
	handle := app.Handler()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := handle(tc.req)
			assert.Equal(t, tc.wantStatus, resp.Status)
			assert.Equal(t, tc.wantType, resp.Header.Get("Content-Type"))
			assert.Equal(t, tc.wantBody, string(resp.Body))
		})
	}
}
