package main

import (
	"bytes"
	"io"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tracing returns a middleware that appends to trace before and after the
// handler it wraps.
func tracing(trace *[]string, name string) Middleware {
	return func(next Handler) Handler {
		return func(req *Request) *Response {
			*trace = append(*trace, name+" before")
			resp := next(req)
			*trace = append(*trace, name+" after")
			return resp
		}
	}
}

func TestMiddlewareOrder(t *testing.T) {
	var trace []string
	rt := NewRouter()
	rt.GET("/", func(req *Request) *Response {
		trace = append(trace, "handler")
		return &Response{Status: 200}
	})
	rt.Use(tracing(&trace, "a"))
	rt.Use(tracing(&trace, "b"), tracing(&trace, "c"))
	handle := rt.Handler()

	handle(request("GET", "/"))
	assert.Equal(t, []string{"a before", "b before", "c before", "handler", "c after", "b after", "a after"}, trace,
		"the first middleware added is the outermost")

	trace = nil
	resp := handle(request("GET", "/nope"))
	assert.Equal(t, 404, resp.Status)
	assert.Equal(t, []string{"a before", "b before", "c before", "c after", "b after", "a after"}, trace,
		"middleware wraps 404 and 405 too")
}

// TestMiddlewareCanAnswer checks that a middleware may answer without
// calling the handler at all.
func TestMiddlewareCanAnswer(t *testing.T) {
	rt := NewRouter()
	rt.GET("/", says("root"))
	rt.Use(func(next Handler) Handler {
		return func(req *Request) *Response {
			if req.Header.Get("X-Token") != "secret" {
				return textResponse(403, "forbidden\n")
			}
			return next(req)
		}
	})
	handle := rt.Handler()
	assert.Equal(t, 403, handle(request("GET", "/")).Status)
	assert.Equal(t, "root", string(handle(get("/", Field{"Host", "x"}, Field{"X-Token", "secret"})).Body))
}

// captureLog sends the log to a buffer for the rest of the test.
func captureLog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(io.Discard) })
	return &buf
}

func TestAccessLog(t *testing.T) {
	buf := captureLog(t)
	rt := NewRouter()
	rt.GET("/echo/:msg", echo)
	// Inside the log, a middleware that takes a known time: the time the
	// log reports must include it, as it includes all that accessLog wraps.
	const took = 2 * time.Millisecond
	rt.Use(accessLog, func(next Handler) Handler {
		return func(req *Request) *Response {
			time.Sleep(took)
			return next(req)
		}
	})
	handle := rt.Handler()

	for _, req := range []*Request{
		request("GET", "/echo/hello?x=1"),
		request("HEAD", "/echo/hello"),
		request("OPTIONS", "/echo/hello"),
		request("DELETE", "/echo/hello"),
		request("GET", "/missing"),
	} {
		handle(req)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 5, buf.String())
	for i, want := range []string{
		`GET /echo/hello 200 5B `,
		`HEAD /echo/hello 200 0B `, // the body is not sent
		`OPTIONS /echo/hello 204 0B `,
		`DELETE /echo/hello 405 0B `,
		`GET /missing 404 0B `,
	} {
		assert.Contains(t, lines[i], want)
		d, err := time.ParseDuration(lines[i][strings.LastIndex(lines[i], " ")+1:])
		if assert.NoError(t, err, lines[i]) {
			assert.GreaterOrEqual(t, d, took, "%s: the time of what accessLog wraps", lines[i])
		}
	}
}

func TestRecoverer(t *testing.T) {
	buf := captureLog(t)
	rt := NewRouter()
	rt.GET("/boom", func(req *Request) *Response { panic("kaboom") })
	rt.GET("/nil", func(req *Request) *Response {
		var m map[string]int
		m["x"]++ // a runtime error, not a panic call
		return nil
	})
	rt.GET("/ok", says("ok"))
	rt.Use(accessLog, recoverer)
	handle := rt.Handler()

	resp := handle(request("GET", "/boom"))
	assert.Equal(t, 500, resp.Status)
	assert.Equal(t, "internal server error\n", string(resp.Body), "the panic's value stays in the log")
	assert.True(t, resp.Close)
	assert.Contains(t, buf.String(), "panic serving GET /boom: kaboom")
	assert.Contains(t, buf.String(), "GET /boom 500 22B", "the access log, outside, sees the 500")

	assert.Equal(t, 500, handle(request("GET", "/nil")).Status)
	assert.Contains(t, buf.String(), "assignment to entry in nil map")

	assert.Equal(t, 200, handle(request("GET", "/ok")).Status)
}

// TestRecovererInsideAccessLog shows why the order matters: with the
// access log inside the recoverer, the panic unwinds through the access log
// before anything is logged, so the 500 goes unrecorded.
func TestRecovererInsideAccessLog(t *testing.T) {
	buf := captureLog(t)
	rt := NewRouter()
	rt.GET("/boom", func(req *Request) *Response { panic("kaboom") })
	rt.Use(recoverer, accessLog)
	resp := rt.Handler()(request("GET", "/boom"))
	assert.Equal(t, 500, resp.Status)
	assert.Contains(t, buf.String(), "panic serving GET /boom")
	assert.NotContains(t, buf.String(), "GET /boom 500")
}

// TestServePanicKeepsServing panics in a handler over TCP: the client gets
// 500 and the connection closes, and the server answers the next client.
func TestServePanicKeepsServing(t *testing.T) {
	captureLog(t)
	rt := NewRouter()
	rt.GET("/boom", func(req *Request) *Response { panic("kaboom") })
	rt.GET("/echo/:msg", echo)
	rt.Use(accessLog, recoverer)
	cfg := testConfig
	cfg.handler = rt.Handler()
	addr := startServer(t, cfg)

	c := dial(t, addr)
	c.send("GET /echo/before HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := c.response()
	assert.Equal(t, "before", body)
	// A pipelined request behind the panic is not answered: the
	// connection closes after the 500.
	c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/lost HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response()
	assert.Equal(t, 500, resp.StatusCode)
	assert.Equal(t, "internal server error\n", body)
	assert.True(t, resp.Close, "Connection: close")
	c.closed()

	for _, word := range []string{"after", "again"} {
		c := dial(t, addr)
		c.send("GET /echo/" + word + " HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := c.response()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, word, body)
	}
}

// TestServeHeadAndOptions checks the wire form of HEAD and OPTIONS
// answers, and that the connection carries on after them.
func TestServeHeadAndOptions(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("HEAD /echo/hello HTTP/1.1\r\nHost: x\r\n\r\n" +
		"OPTIONS /user-agent HTTP/1.1\r\nHost: x\r\n\r\n" +
		"DELETE /user-agent HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /echo/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	raw, err := io.ReadAll(c.br)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"+
		"HTTP/1.1 204 No Content\r\nAllow: GET, HEAD, OPTIONS\r\n\r\n"+
		"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, OPTIONS\r\nContent-Length: 0\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nafter", string(raw))
}
