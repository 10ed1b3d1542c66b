package main

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptFeed is a Feed that a test writes: each push is ready for the
// next Next, end ends it, and closed says whether the connection has let
// it go.
type scriptFeed struct {
	mu     sync.Mutex
	ready  []byte
	ended  bool
	wake   func()
	closed atomic.Bool
}

func (f *scriptFeed) push(s string) { f.change(func() { f.ready = append(f.ready, s...) }) }
func (f *scriptFeed) end()          { f.change(func() { f.ended = true }) }

// change runs fn under the lock, then wakes the connection, as a real
// feed does from another goroutine.
func (f *scriptFeed) change(fn func()) {
	f.mu.Lock()
	fn()
	wake := f.wake
	f.mu.Unlock()
	if wake != nil {
		wake()
	}
}

func (f *scriptFeed) Start(wake func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wake = wake
}

func (f *scriptFeed) Next(p []byte, end bool) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p = append(p, f.ready...)
	f.ready = nil
	if end {
		p = append(p, "(ended)"...)
	}
	return p, f.ended || end
}

func (f *scriptFeed) Close() { f.closed.Store(true) }

// serveFeed serves one request, whatever it is, with a 200 text/plain
// answer whose body is feed, and every other request as the app does.
func serveFeed(t *testing.T, cfg config, feed *scriptFeed) string {
	t.Helper()
	cfg.handler = func(req *Request) *Response {
		if req.Path != "/feed" {
			return app.Handler()(req)
		}
		return &Response{Status: 200, Header: Header{{Name: "Content-Type", Value: "text/plain"}}, Feed: feed}
	}
	cfg.needsBody = app.TakesJSON
	return startServer(t, cfg)
}

// eventually polls cond until it holds, for at most testDeadline: a
// state to wait for, never a time to measure.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			require.Fail(t, "timed out waiting: "+msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readLine reads one line of the raw stream, CRLF included.
func (c *client) readLine() string {
	c.t.Helper()
	line, err := c.br.ReadString('\n')
	require.NoError(c.t, err, "read so far: %q", line)
	return line
}

// readHead reads the raw head of a response, up to its empty line.
func (c *client) readHead() string {
	c.t.Helper()
	var head strings.Builder
	for {
		line := c.readLine()
		head.WriteString(line)
		if line == "\r\n" {
			return head.String()
		}
	}
}

// readChunk reads one chunk, checking its framing (RFC 9112 §7.1), and
// returns its data; "" is the last chunk, whose trailer must be empty.
func (c *client) readChunk() string {
	c.t.Helper()
	line := c.readLine()
	require.True(c.t, strings.HasSuffix(line, "\r\n"), "chunk size line %q ends in CRLF", line)
	size, err := strconv.ParseInt(strings.TrimSuffix(line, "\r\n"), 16, 64)
	require.NoError(c.t, err, "chunk size line %q", line)
	data := make([]byte, size+2)
	_, err = io.ReadFull(c.br, data)
	require.NoError(c.t, err)
	require.Equal(c.t, "\r\n", string(data[size:]), "the chunk's data ends in CRLF")
	if size == 0 {
		return ""
	}
	return string(data[:size])
}

// TestStreamChunks checks the chunked framing of a Feed: the head at once,
// with Transfer-Encoding and no Content-Length, each piece as its own
// chunk as soon as the feed has it (the test sends the next only after
// reading the last), the last chunk at the end, and the connection free
// for the next request afterwards.
func TestStreamChunks(t *testing.T) {
	feed := &scriptFeed{}
	c := dial(t, serveFeed(t, testConfig, feed))
	c.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n", c.readHead())
	for _, piece := range []string{"hello", strings.Repeat("x", 5000), "\r\n0\r\n"} {
		feed.push(piece)
		assert.Equal(t, piece, c.readChunk())
	}
	feed.push("last")
	feed.end()
	assert.Equal(t, "last", c.readChunk(), "what was ready before the end")
	assert.Equal(t, "", c.readChunk(), "the last chunk")
	eventually(t, feed.closed.Load, "the feed is closed")

	c.send("GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "after", body, "the connection goes on after the stream")
}

// TestStreamHTTP10 checks a Feed to an HTTP/1.0 client, which knows no
// chunked coding: the body as it is, ended by the close.
func TestStreamHTTP10(t *testing.T) {
	feed := &scriptFeed{}
	c := dial(t, serveFeed(t, testConfig, feed))
	c.send("GET /feed HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n", c.readHead())
	feed.push("one ")
	buf := make([]byte, 4)
	_, err := io.ReadFull(c.br, buf)
	require.NoError(t, err)
	assert.Equal(t, "one ", string(buf), "sent before the feed ended")
	feed.push("two")
	feed.end()
	rest, err := io.ReadAll(c.br)
	require.NoError(t, err)
	assert.Equal(t, "two", string(rest), "then the close")
}

// TestStreamHead checks that HEAD gets the head GET would, without a body,
// and that the feed is let go at once.
func TestStreamHead(t *testing.T) {
	feed := &scriptFeed{}
	c := dial(t, serveFeed(t, testConfig, feed))
	c.send("HEAD /feed HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/next HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n", c.readHead())
	assert.True(t, feed.closed.Load(), "closed before the head was sent")
	resp, body := c.response()
	assert.Equal(t, "next", body, "no body came between the two answers")
	assert.Equal(t, 200, resp.StatusCode)
}

// TestResponseWriteFeed checks the head Write gives a Feed with no body
// to send: chunked framing for HTTP/1.1, nothing for HTTP/1.0 (the close
// frames it), and none at all for a 204.
func TestResponseWriteFeed(t *testing.T) {
	for _, tc := range []struct {
		name string
		resp *Response
		want string
	}{
		{"chunked", &Response{Status: 200, Chunked: true, Head: true}, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"},
		{"to the close", &Response{Status: 200, Head: true, Close: true}, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"},
		{"204", &Response{Status: 204, Chunked: true}, "HTTP/1.1 204 No Content\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			feed := &scriptFeed{}
			tc.resp.Feed = feed
			var buf bytes.Buffer
			require.NoError(t, tc.resp.Write(&buf))
			assert.Equal(t, tc.want, buf.String())
			assert.True(t, feed.closed.Load())
		})
	}
}

// TestStreamEndsOnShutdown checks that a shutdown ends a stream at once,
// with what the feed had ready and the last chunk, instead of waiting the
// shutdown timeout (an hour here) for a stream that never ends by itself.
func TestStreamEndsOnShutdown(t *testing.T) {
	feed := &scriptFeed{}
	cfg := testConfig
	cfg.shutdownTimeout = time.Hour
	cfg.handler = func(*Request) *Response { return &Response{Status: 200, Feed: feed} }
	addr, stop := stoppable(t, cfg)
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.readHead()
	feed.push("before")
	assert.Equal(t, "before", c.readChunk())

	done := stop()
	assert.Equal(t, "(ended)", c.readChunk(), "what the feed appends to end")
	assert.Equal(t, "", c.readChunk(), "the last chunk")
	c.closed()
	stopped(t, done)
	assert.True(t, feed.closed.Load())
}

// TestStreamClientGone checks that a client that closes is noticed while
// its stream waits for the feed, without a write to fail: the feed is let
// go, and the connection's goroutine ends.
func TestStreamClientGone(t *testing.T) {
	logged := watchLog(t)
	feed := &scriptFeed{}
	c := dial(t, serveFeed(t, testConfig, feed))
	c.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
	c.readHead()
	c.conn.Close()
	eventually(t, feed.closed.Load, "the feed is closed once the client has gone")
	eventually(t, func() bool { return strings.Contains(logged.String(), "closed after 1 requests") }, "the connection ends as a normal close")
}

// TestStreamSlowReader checks that deadlines go by progress on a stream
// too: a client that stops reading is cut off once the writes to it make
// no progress for idleTimeout, and the feed is let go.
func TestStreamSlowReader(t *testing.T) {
	feed := &scriptFeed{}
	cfg := testConfig
	cfg.idleTimeout = 200 * time.Millisecond
	cfg.handler = func(*Request) *Response { return &Response{Status: 200, Feed: feed} }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := dial(t, serveOn(t, smallSendBuffers{ln}, cfg))
	require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(4<<10))
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.readHead()
	feed.push(strings.Repeat("x", 16<<20)) // far more than the socket buffers hold
	eventually(t, feed.closed.Load, "the server gives up on a client that does not read")
}
