package main

// The API middleware's tests that need the serve loop: the loop, not the
// parser, knows the peer, and writes the parser's refusals.

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestServeSetsRemoteAddr checks that the serve loop tells the handler who
// is on the other end of the connection.
func TestServeSetsRemoteAddr(t *testing.T) {
	cfg := testConfig
	cfg.handler = func(req *Request) *Response { return textResponse(200, req.RemoteAddr) }
	c := dial(t, startServer(t, cfg))
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := c.response()
	assert.Equal(t, c.conn.LocalAddr().String(), body)
}

// TestServeParserErrorAsProblem checks the parser's refusal, which the
// serve loop writes before any handler runs.
func TestServeParserErrorAsProblem(t *testing.T) {
	withProblemDetails(t)
	c := dial(t, startServer(t, testConfig))
	c.send("POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n")
	resp, body := c.response()
	assert.Equal(t, 413, resp.StatusCode)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"type":"about:blank","title":"Content Too Large","status":413,"detail":"request body too large"}`, body)
}
