package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corsApp is the application's routes behind the CORS middleware of two
// origins, as -cors-origin twice makes it.
func corsApp(t *testing.T) Handler {
	var origins originList
	require.NoError(t, origins.Set("https://app.example"))
	require.NoError(t, origins.Set("http://localhost:5173"))
	return cors(origins)(app.Handler())
}

// withHeaders returns req with fields added.
func withHeaders(req *Request, fields ...string) *Request {
	for i := 0; i+1 < len(fields); i += 2 {
		req.Header.Add(fields[i], fields[i+1])
	}
	return req
}

func TestCORSPreflight(t *testing.T) {
	h := corsApp(t)
	tests := []struct {
		name   string
		req    *Request
		status int
		want   map[string]string // "" means absent
	}{
		{
			name: "an allowed origin",
			req: withHeaders(request("OPTIONS", "/users/1"), "Origin", "http://localhost:5173",
				"Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type, authorization"),
			status: 204,
			want: map[string]string{
				"Access-Control-Allow-Origin":  "http://localhost:5173",
				"Access-Control-Allow-Methods": "DELETE, GET, HEAD, OPTIONS, PUT",
				"Access-Control-Allow-Headers": "Authorization, Content-Type",
				"Access-Control-Max-Age":       "600",
				"Allow":                        "DELETE, GET, HEAD, OPTIONS, PUT",
				"Vary":                         "Origin",
			},
		},
		{
			name: "an origin that only starts like an allowed one",
			req: withHeaders(request("OPTIONS", "/users"), "Origin", "https://app.example.attacker.test",
				"Access-Control-Request-Method", "POST"),
			status: 204,
			want: map[string]string{
				"Access-Control-Allow-Origin":  "",
				"Access-Control-Allow-Methods": "",
				"Allow":                        "GET, HEAD, OPTIONS, POST",
				"Vary":                         "Origin",
			},
		},
		{
			name:   "a plain OPTIONS, without Origin, as in stage 3",
			req:    request("OPTIONS", "/user-agent"),
			status: 204,
			want:   map[string]string{"Access-Control-Allow-Origin": "", "Allow": "GET, HEAD, OPTIONS", "Vary": "Origin"},
		},
		{
			name: "a preflight to a path no route has",
			req: withHeaders(request("OPTIONS", "/nowhere"), "Origin", "https://app.example",
				"Access-Control-Request-Method", "PUT"),
			status: 404,
			want:   map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h(tt.req)
			assert.Equal(t, tt.status, resp.Status)
			for name, value := range tt.want {
				assert.Equal(t, value, resp.Header.Get(name), name)
			}
		})
	}
}

func TestCORSActualRequest(t *testing.T) {
	h := corsApp(t)
	resp := h(withHeaders(request("GET", "/users"), "Origin", "https://app.example"))
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "Link, Location, Retry-After", resp.Header.Get("Access-Control-Expose-Headers"))
	assert.Contains(t, resp.Header.Values("Vary"), "Origin")

	resp = h(withHeaders(request("GET", "/users"), "Origin", "HTTPS://APP.EXAMPLE"))
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "browsers send origins in lower case, and only those match")

	resp = h(request("GET", "/users"))
	assert.Equal(t, 200, resp.Status)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, resp.Header.Values("Vary"), "Origin", "an answer without Origin varies on it too")
}

func TestCORSOff(t *testing.T) {
	h := says("ok")
	assert.Equal(t, funcName(h), funcName(cors(nil)(h)), "without origins: the handler itself, unwrapped")
}

func TestOriginListSet(t *testing.T) {
	var l originList
	for _, good := range []string{"https://app.example", "http://localhost:5173", "HTTPS://App.Example"} {
		assert.NoError(t, l.Set(good), good)
	}
	assert.Equal(t, originList{"https://app.example", "http://localhost:5173", "https://app.example"}, l)
	for _, bad := range []string{"app.example", "https://app.example/", "https://app.example/api", "ftp://x", "https://", "https://u@app.example", "https://app.example?", "%"} {
		assert.Error(t, l.Set(bad), bad)
	}
}
