package main

import (
	"bytes"
	"io"
	"log"
	"testing"

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
	rt.Use(recoverer)
	handle := rt.Handler()

	resp := handle(request("GET", "/boom"))
	assert.Equal(t, 500, resp.Status)
	assert.Equal(t, `{"error":"internal server error"}`+"\n", string(resp.Body), "the panic's value stays in the log")
	assert.True(t, resp.Close)
	assert.Contains(t, buf.String(), "panic serving GET /boom: kaboom")

	assert.Equal(t, 500, handle(request("GET", "/nil")).Status)
	assert.Contains(t, buf.String(), "assignment to entry in nil map")

	assert.Equal(t, 200, handle(request("GET", "/ok")).Status)
}

// TestServePanicKeepsServing panics in a handler over TCP: the client gets
// 500 and the connection closes, and the server answers the next client.
func TestServePanicKeepsServing(t *testing.T) {
	captureLog(t)
	rt := NewRouter()
	rt.GET("/boom", func(req *Request) *Response { panic("kaboom") })
	rt.GET("/echo/:msg", echo)
	rt.Use(recoverer)
	cfg := testConfig
	cfg.handler = rt.Handler()
	var sink logSink
	cfg.log = &sink
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
	assert.Equal(t, `{"error":"internal server error"}`+"\n", body)
	assert.True(t, resp.Close, "Connection: close")
	c.closed()
	sink.waitFor(t, "GET /boom 500 34B") // the loop logs the 500 recoverer made

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
		"HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nAllow: GET, HEAD, OPTIONS\r\nContent-Length: 68\r\n\r\n"+
		`{"error":"method not allowed; this path allows GET, HEAD, OPTIONS"}`+"\n"+
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nafter", string(raw))
}
