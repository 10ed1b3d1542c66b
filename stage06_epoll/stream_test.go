//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
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

// TestStreamShutdown checks that a shutdown ends a stream at once, with
// what the feed had ready and the last chunk, instead of waiting the
// shutdown timeout for a stream that never ends by itself; and that a
// client that reads nothing holds the shutdown for the shutdown timeout
// at most, its output unwritten, and not for the idle timeout (an hour).
func TestStreamShutdown(t *testing.T) {
	for _, tc := range []struct {
		name            string
		reads           bool
		shutdownTimeout time.Duration
	}{
		{"a client that reads gets the end", true, time.Hour},
		{"a client that does not read is cut off", false, 200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			feed := &scriptFeed{}
			cfg := testConfig
			cfg.idleTimeout, cfg.shutdownTimeout = time.Hour, tc.shutdownTimeout
			cfg.handler = func(*Request) *Response { return &Response{Status: 200, Feed: feed} }
			addr, stop := stoppable(t, cfg)
			c := dial(t, addr)
			require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(4<<10))
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			c.readHead()
			feed.push("before")
			assert.Equal(t, "before", c.readChunk())
			if !tc.reads {
				feed.push(strings.Repeat("x", 16<<20)) // far more than the sockets hold
			}

			done := stop()
			if tc.reads {
				assert.Equal(t, "(ended)", c.readChunk(), "what the feed appends to end")
				assert.Equal(t, "", c.readChunk(), "the last chunk")
				c.closed()
			}
			stopped(t, done)
			assert.True(t, feed.closed.Load())
		})
	}
}

// TestStreamClientGone checks that a client that closes is noticed while
// its stream waits for the feed, without a write to fail: the poller sees
// the close as it sees any, the feed is let go, and the connection ends
// as a normal close.
func TestStreamClientGone(t *testing.T) {
	var sink logSink
	cfg := testConfig
	cfg.log = &sink
	feed := &scriptFeed{}
	c := dial(t, serveFeed(t, cfg, feed))
	c.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
	c.readHead()
	c.conn.Close()
	eventually(t, feed.closed.Load, "the feed is closed once the client has gone")
	sink.waitFor(t, "closed after 1 requests")
	sink.waitFor(t, "GET /feed 200 streamed")
}

// TestStreamSlowReader checks the deadline of a stream whose client stops
// reading: its output waits idleTimeout for the client, as any answer's
// does, then the connection is closed and the feed let go.
func TestStreamSlowReader(t *testing.T) {
	feed := &scriptFeed{}
	cfg := testConfig
	cfg.idleTimeout = 200 * time.Millisecond
	c := dial(t, serveFeed(t, cfg, feed))
	require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(4<<10))
	c.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
	c.readHead()
	feed.push(strings.Repeat("x", 16<<20)) // far more than the socket buffers hold
	eventually(t, feed.closed.Load, "the server gives up on a client that does not read")
}

// TestStreamQuietHasNoDeadline checks that a stream with nothing to send
// outlives the idle timeout: between two chunks a client may wait for as
// long as the feed is quiet.
func TestStreamQuietHasNoDeadline(t *testing.T) {
	feed := &scriptFeed{}
	cfg := testConfig
	cfg.idleTimeout, cfg.headerTimeout = 50*time.Millisecond, 50*time.Millisecond
	c := dial(t, serveFeed(t, cfg, feed))
	c.send("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n")
	c.readHead()
	time.Sleep(4 * cfg.idleTimeout) // a state to keep, not a time to measure: the connection must still be open after it
	assert.False(t, feed.closed.Load(), "the stream outlived the idle timeout")
	feed.push("late")
	assert.Equal(t, "late", c.readChunk())
}

// feedLoop is a loop driven by hand whose one connection has asked for
// the feed and had its head written: what the loop writes next is the
// feed's. It returns the connection and the client's end of it.
func feedLoop(t *testing.T, feed *scriptFeed) (*loop, *conn, int) {
	t.Helper()
	l := newTestLoop(t)
	l.cfg.handler = func(*Request) *Response {
		return &Response{Status: 200, Header: Header{{Name: "Content-Type", Value: "text/plain"}}, Feed: feed}
	}
	c, peer := socketPair(t, l)
	c.received([]byte("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NotNil(t, c.stream, "the connection is sending a stream")
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
	assert.Equal(t, head, readPeer(t, peer, len(head)))
	assert.Equal(t, "the next chunk of a stream", c.waiting, "no deadline between chunks")
	return l, c, peer
}

// readPeer reads exactly n bytes from the client's end of a socket pair,
// within testDeadline.
func readPeer(t *testing.T, peer, n int) string {
	t.Helper()
	tv := unix.NsecToTimeval(testDeadline.Nanoseconds())
	require.NoError(t, unix.SetsockoptTimeval(peer, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv))
	buf := make([]byte, n)
	for got := 0; got < n; {
		m, err := unix.Read(peer, buf[got:])
		require.NoError(t, err, "read so far: %.80q", buf[:got])
		require.NotZero(t, m, "the connection closed after %.80q", buf[:got])
		got += m
	}
	return string(buf)
}

// chunkText is p framed as one chunk.
func chunkText(p string) string { return strconv.FormatInt(int64(len(p)), 16) + "\r\n" + p + "\r\n" }

// TestStreamWakes checks the hand-off from another goroutine to the loop:
// however many times a feed wakes its connection between two turns, the
// stream is posted once and the poller woken, with no event of a socket;
// the next turn pulls everything the feed has into one chunk.
func TestStreamWakes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pushes int
	}{
		{"one wake", 1},
		{"a hundred wakes in one turn", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			feed := &scriptFeed{}
			l, _, peer := feedLoop(t, feed)
			var want strings.Builder
			done := make(chan struct{})
			go func() { // as a handler on another loop publishes
				defer close(done)
				for i := range tc.pushes {
					feed.push(fmt.Sprintf("event %d\n", i))
				}
			}()
			<-done
			for i := range tc.pushes {
				fmt.Fprintf(&want, "event %d\n", i)
			}
			assert.Len(t, l.wakes.queue, 1, "posted once")
			n, err := l.poller.wait(l.events, testDeadline)
			require.NoError(t, err)
			assert.Zero(t, n, "the wait returned for the wake, which is no socket's event")
			l.serveStreams()
			assert.Empty(t, l.wakes.queue)
			assert.Equal(t, chunkText(want.String()), readPeer(t, peer, len(chunkText(want.String()))))
		})
	}
}

// TestStreamBackPressure checks the bound on a stream whose client does
// not read: once maxPendingOutput bytes wait, the loop pulls no more, and
// what the feed has stays in the feed; once the client reads, the loop
// pulls again, and every piece arrives, in order.
func TestStreamBackPressure(t *testing.T) {
	feed := &scriptFeed{}
	l, c, peer := feedLoop(t, feed)
	piece := strings.Repeat("x", 16<<10)
	const pieces = 100
	for range pieces {
		feed.push(piece)
		l.serveStreams()
	}
	assert.True(t, c.stream.woken, "a wake waits for the output to be written")
	assert.LessOrEqual(t, len(c.out), maxPendingOutput+len(chunkText(piece)), "the output is bounded")
	feed.mu.Lock()
	held := len(feed.ready)
	feed.mu.Unlock()
	assert.Positive(t, held, "the rest stays in the feed")

	var got bytes.Buffer
	buf := make([]byte, 64<<10)
	want := strings.Repeat(piece, pieces)
	for i := 0; i < 10000 && got.Len() < len(want); i++ {
		m, err := unix.Read(peer, buf)
		require.NoError(t, err, "the loop sent no more after %d bytes", got.Len())
		got.Write(buf[:m])
		l.flush(c)
	}
	feed.end()
	l.serveStreams()
	for !bytes.HasSuffix(got.Bytes(), []byte(lastChunk)) {
		m, err := unix.Read(peer, buf)
		require.NoError(t, err, "no last chunk after %d bytes", got.Len())
		got.Write(buf[:m])
	}
	data, err := io.ReadAll(httputil.NewChunkedReader(&got))
	require.NoError(t, err, "the chunks are well framed")
	assert.True(t, string(data) == want, "the pieces came whole and in order: %d bytes of %d", len(data), len(want))
}

// TestEventsAcrossLoops checks the fan-out on a server of two loops: a
// user created through the API, by a handler on one loop, reaches
// subscribers on both. Sixteen connections land on one loop alone once
// in 32,768 tries.
func TestEventsAcrossLoops(t *testing.T) {
	addr := startServer(t, testConfig)
	streams := openSubscribers(t, addr, 16)
	u := createUser(t, addr, "Ada")
	want := eventText(events.lastEvent(), "user.created", fmt.Sprintf(`{"id":%d,"name":"Ada"}`, u.ID))
	for i, stream := range streams {
		assert.Equal(t, want, readEvent(t, stream.Body), "subscriber %d", i)
	}
}

// openSubscribers opens n streams of GET /events on addr.
func openSubscribers(t *testing.T, addr string, n int) []*http.Response {
	t.Helper()
	var streams []*http.Response
	for range n {
		_, stream := openEvents(t, addr)
		streams = append(streams, stream)
	}
	return streams
}

// createUser creates a user through the API at addr, which publishes
// user.created to every subscriber.
func createUser(t *testing.T, addr, name string) User {
	t.Helper()
	api := dial(t, addr)
	api.send(jsonRequest("POST", "/users", fmt.Sprintf(`{"name":%q}`, name)))
	resp, body := api.response()
	require.Equal(t, 201, resp.StatusCode)
	var u User
	require.NoError(t, json.Unmarshal([]byte(body), &u))
	return u
}

// TestEventsCostNoGoroutine is the lesson of the loop for event streams: a
// subscriber is a connection with output pending, served by the loops that
// already run, so two hundred of them, each sent an event, add no
// goroutine. Stage 5 spends one on each, blocked in its Write.
func TestEventsCostNoGoroutine(t *testing.T) {
	addr := startServer(t, testConfig)
	before := runtime.NumGoroutine()
	const subscribers = 200
	streams := openSubscribers(t, addr, subscribers)
	createUser(t, addr, "Ada")
	want := events.lastEvent()
	for i, stream := range streams {
		require.Contains(t, readEvent(t, stream.Body), fmt.Sprintf("id: %d\n", want), "subscriber %d", i)
	}
	assert.Less(t, runtime.NumGoroutine()-before, subscribers/10, "goroutines grew with the subscribers")
}
