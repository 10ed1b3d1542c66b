package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain silences the server's log, which would otherwise interleave with
// test output; run with -v and comment this out to watch it.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// testDeadline bounds every network wait in these tests. It is generous on
// purpose: a passing test never waits for it, it only stops a broken server
// from hanging the run.
const testDeadline = 5 * time.Second

// testConfig has timeouts long enough never to fire in a test that does not
// want them to, and serves the app's routes without middleware.
var testConfig = config{idleTimeout: testDeadline, headerTimeout: testDeadline, maxConns: 1000, shutdownTimeout: testDeadline, handler: app.Handler()}

// startServer serves on a fresh port of 127.0.0.1 and returns its address.
// A cfg without a handler serves testConfig's. Cleanup shuts the server
// down and checks that it returned.
func startServer(t *testing.T, cfg config) string {
	t.Helper()
	if cfg.handler == nil {
		cfg.handler = testConfig.handler
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return serveOn(t, ln, cfg)
}

// serveOn serves on ln, as startServer does, for a test that brings its own
// listener.
func serveOn(t *testing.T, ln net.Listener, cfg config) string {
	t.Helper()
	if cfg.maxConns == 0 {
		cfg.maxConns, cfg.shutdownTimeout = testConfig.maxConns, testConfig.shutdownTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveListener(ctx, ln, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(testDeadline):
			t.Error("server did not shut down")
		}
	})
	return ln.Addr().String()
}

// client is one test connection with a reader that lives as long as it, as
// a real HTTP client's does.
type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, testDeadline)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(testDeadline)))
	return &client{t: t, conn: conn, br: bufio.NewReader(conn)}
}

func (c *client) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.conn, s)
	require.NoError(c.t, err)
}

// response reads one response with net/http's parser, an implementation
// independent of the server's, and returns it with its body read.
func (c *client) response() (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	require.NoError(c.t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, string(body)
}

// closed asserts that the server closed the connection without sending
// anything more.
func (c *client) closed() {
	c.t.Helper()
	rest, err := io.ReadAll(c.br)
	assert.NoError(c.t, err, "expected the server to close, not a timeout or reset")
	assert.Empty(c.t, string(rest), "unexpected bytes before the close")
}

func TestServeKeepAlive(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("GET /echo/one HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "one", body)
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.False(t, resp.Close, "an HTTP/1.1 connection stays open")
	assert.Empty(t, resp.Header.Get("Connection"))

	c.send("GET /user-agent HTTP/1.1\r\nHost: x\r\nUser-Agent: tester/1\r\n\r\n")
	resp, body = c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "tester/1", body)

	c.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = c.response()
	assert.Equal(t, 404, resp.StatusCode)
	assert.Empty(t, body)
	assert.False(t, resp.Close, "a 404 is an answer, not a reason to close")
}

func TestServeConnectionClose(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	// Read the raw bytes up to the close: this is the exact wire form.
	raw, err := io.ReadAll(c.br)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", string(raw))
}

func TestServeHTTP10(t *testing.T) {
	addr := startServer(t, testConfig)

	t.Run("closes by default", func(t *testing.T) {
		c := dial(t, addr)
		c.send("GET /echo/old HTTP/1.0\r\n\r\n")
		resp, body := c.response()
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "HTTP/1.1", resp.Proto, "the server always speaks HTTP/1.1")
		assert.Equal(t, "old", body)
		assert.True(t, resp.Close, "Connection: close") // net/http removes the field
		c.closed()
	})

	t.Run("keep-alive when asked", func(t *testing.T) {
		c := dial(t, addr)
		for _, word := range []string{"a", "b"} {
			c.send("GET /echo/" + word + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			resp, body := c.response()
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, word, body)
			assert.Equal(t, "keep-alive", resp.Header.Get("Connection"))
		}
	})
}

func TestServePipelining(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	// Everything in one write: the server must find the boundaries itself
	// and answer in order.
	c.send("GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /echo/x" +
		"GET /echo/second HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /echo/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	for _, want := range []struct {
		status int
		body   string
	}{{200, "first"}, {404, ""}, {200, "second"}, {200, "last"}} {
		resp, body := c.response()
		assert.Equal(t, want.status, resp.StatusCode)
		assert.Equal(t, want.body, body)
	}
	c.closed()
}

// TestServeByteAtATime sends a request in one write per byte; the server
// must wait for the whole head and answer once.
func TestServeByteAtATime(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	for _, b := range []byte("GET /echo/slow HTTP/1.1\r\nHost: x\r\n\r\n") {
		c.send(string(b))
	}
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "slow", body)
}

func TestServeChunked(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
		"GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := c.response()
	assert.Equal(t, 404, resp.StatusCode)
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "after", body, "the chunked body was consumed exactly")
}

// TestServeAbsoluteForm checks that a target sent as a whole URL, as to a
// proxy, is routed by its path (RFC 9112 §3.2.2).
func TestServeAbsoluteForm(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("GET http://x/echo/abs HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "abs", body)
}

func TestServeExpectContinue(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("GET /echo/go HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	interim := make([]byte, len(continueResponse))
	_, err := io.ReadFull(c.br, interim)
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 100 Continue\r\n\r\n", string(interim))
	c.send("body")
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "go", body)
}

// TestServeErrors sends each kind of bad request on its own connection and
// expects the status, a short text/plain reason, Connection: close, and then
// the close.
func TestServeErrors(t *testing.T) {
	addr := startServer(t, testConfig)
	tests := []struct {
		name   string
		in     string
		status int
		body   string
	}{
		{"garbage", "HELLO\r\n\r\n", 400, "malformed request line\n"},
		{"TLS handshake without a line end", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400, "malformed request line\n"},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400, "line does not end in CRLF\n"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP version not supported\n"},
		{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400, "missing Host header\n"},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host header\n"},
		{"bad Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab", 400, "invalid Content-Length\n"},
		{"both framings", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both Transfer-Encoding and Content-Length\n"},
		{"gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported transfer coding\n"},
		{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "whitespace between header field name and colon\n"},
		{"header too large", "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", MaxHeaderBytes) + "\r\n\r\n", 431, "request header fields too large\n"},
		{"body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n", 413, "request body too large\n"},
		{"target too long", "GET /" + strings.Repeat("a", 64<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request target too long\n"},
		{"method too long", strings.Repeat("A", 64<<10) + " / HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method too long: not one this server implements\n"},
		{"unknown expectation", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417, "unsupported expectation: only 100-continue is understood\n"},
		{"bad chunk after a good request", "GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "malformed chunked body\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			c.send(tc.in)
			resp, body := c.response()
			if resp.StatusCode == 200 { // the good request before the bad one
				resp, body = c.response()
			}
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.body, body)
			assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
			assert.True(t, resp.Close, "Connection: close") // net/http removes the field
			c.closed()
		})
	}

	// The server is still there for everyone else.
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := c.response()
	assert.Equal(t, 200, resp.StatusCode)
}

// TestServeLargeBodyRefusedWhileSending sends a body over the cap after its
// head, as curl would: the 413 must still reach the client, not be lost to
// a TCP reset because the server closed with unread input.
func TestServeLargeBodyRefusedWhileSending(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	size := MaxBodyBytes + 1
	go func() {
		// Errors are expected once the server stops reading.
		io.WriteString(c.conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8388609\r\n\r\n")
		c.conn.Write(make([]byte, size))
	}()
	resp, body := c.response()
	assert.Equal(t, 413, resp.StatusCode)
	assert.Equal(t, "request body too large\n", body)
}

// TestServeIncompleteRequestGetsNoAnswer checks that a request that never
// completes is not answered: the server waits for the header timeout (or,
// for a body, the idle timeout) and closes silently.
func TestServeIncompleteRequestGetsNoAnswer(t *testing.T) {
	addr := startServer(t, config{idleTimeout: 200 * time.Millisecond, headerTimeout: 200 * time.Millisecond})
	for name, partial := range map[string]string{
		"head":       "GET / HTTP/1.1\r\nHost: x\r\n",
		"body":       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
		"chunked":    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"second one": "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := dial(t, addr)
			c.send(partial)
			if name == "second one" {
				resp, _ := c.response()
				assert.Equal(t, 200, resp.StatusCode, "the complete first request is answered")
			}
			c.closed()
		})
	}
}

// TestServeSlowHeaders checks the header timeout on a client that keeps
// sending, just too slowly: the idle timeout alone would never fire.
func TestServeSlowHeaders(t *testing.T) {
	c := dial(t, startServer(t, config{idleTimeout: testDeadline, headerTimeout: 300 * time.Millisecond}))
	c.send("GET / HTTP/1.1\r\n")
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := io.WriteString(c.conn, "X: y\r\n"); err != nil {
					return
				}
			}
		}
	}()
	// The server closes with the client's bytes unread, so the close may
	// arrive as a reset; either way it must come before testDeadline and
	// with no answer.
	rest, err := io.ReadAll(c.br)
	if err != nil {
		assert.ErrorIs(t, err, syscall.ECONNRESET)
	}
	assert.Empty(t, string(rest))
}

// TestServeSlowSteadyBody is issue 14's slow client: a body sent slowly but
// steadily, for longer than the idle timeout in all, is read to its end,
// because each read that brings bytes buys another idle timeout. One
// deadline for the whole body cut it off half way. A client that stops
// sending is still cut off, without an answer.
func TestServeSlowSteadyBody(t *testing.T) {
	cfg := testConfig
	cfg.idleTimeout = 500 * time.Millisecond
	addr := startServer(t, cfg)
	const pieces, size = 40, 1 << 10
	c := dial(t, addr)
	c.send(fmt.Sprintf("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", pieces*size))
	for range pieces {
		time.Sleep(cfg.idleTimeout / 20)
		c.send(strings.Repeat("x", size))
	}
	resp, _ := c.response()
	assert.Equal(t, 404, resp.StatusCode, "answered once the whole body was in")

	stalled := dial(t, addr)
	stalled.send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	stalled.closed() // after the idle timeout, with no answer
}

func TestServeIdleTimeout(t *testing.T) {
	c := dial(t, startServer(t, config{idleTimeout: 200 * time.Millisecond, headerTimeout: testDeadline}))
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	c.closed() // nothing more sent: closed after the idle timeout
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.NoError(t, run(ctx, "127.0.0.1:0", testConfig))
}

// countingListener counts the bytes its connections have read, so that a
// test can wait until the server has taken everything a client sent.
type countingListener struct {
	net.Listener
	read *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.read}, nil
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// liveHeap returns the bytes of heap in use once the garbage collector has
// freed what nothing refers to.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// stalledPosts serves testConfig, and opens a connection for each target,
// on which it sends a POST whose head announces a body of MaxBodyBytes,
// then all of that body but its last byte, so that the request is never
// complete. It returns the connections once the server has read every
// byte sent, with the live heap they cost it: a server that reads a body
// as it arrives holds a buffer per connection, where one that kept bodies
// whole would hold them all.
func stalledPosts(t *testing.T, targets []string) (clients []*client, held int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var read atomic.Int64
	addr := serveOn(t, countingListener{ln, &read}, testConfig)

	before := liveHeap()
	chunk := make([]byte, 64<<10)
	var sent int64
	for _, target := range targets {
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", target, MaxBodyBytes)
		c := dial(t, addr)
		c.send(head)
		for left := MaxBodyBytes - 1; left > 0; left -= len(chunk) {
			_, err := c.conn.Write(chunk[:min(left, len(chunk))])
			require.NoError(t, err)
		}
		sent += int64(len(head) + MaxBodyBytes - 1)
		clients = append(clients, c)
	}
	deadline := time.Now().Add(testDeadline)
	for read.Load() < sent && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, sent, read.Load(), "the server has read everything sent")
	return clients, int64(liveHeap()) - int64(before)
}

// TestServeDropsUnwantedBodies is issue 14's probe: 100 connections, each
// sending a POST to a path nobody serves with a body of MaxBodyBytes, all
// but its last byte. The server must read each body as it arrives and drop
// it, holding a buffer per connection; it used to hold every body whole, at
// about 2.6 times its size (2 GiB for this test).
func TestServeDropsUnwantedBodies(t *testing.T) {
	const conns = 100
	_, held := stalledPosts(t, slices.Repeat([]string{"/nowhere"}, conns))
	assert.Less(t, held, int64(64<<20), "%d connections with %d MiB bodies hold %d MiB", conns, MaxBodyBytes>>20, held>>20)
}

// TestServeSlowSteadyDownload is issue 14's probe of a slow download: a
// client that takes a large file slowly but steadily, for longer than the
// idle timeout in all, gets all of it, because each write that makes
// progress buys another idle timeout (nginx's send_timeout). One deadline
// for the whole answer cut it off half way.
func TestServeSlowSteadyDownload(t *testing.T) {
	root, _ := fileTree(t)
	const size = 8 << 20
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	require.NoError(t, os.WriteFile(filepath.Join(root, "big"), data, 0o644))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg := testConfig
	cfg.idleTimeout = 250 * time.Millisecond
	c := dial(t, serveOn(t, smallSendBuffers{ln}, cfg))
	require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(16<<10))
	c.send("GET /files/big HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	var got bytes.Buffer
	buf := make([]byte, 128<<10)
	for {
		time.Sleep(cfg.idleTimeout / 12)
		n, err := io.ReadFull(resp.Body, buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	assert.Equal(t, size, got.Len(), "the whole file, however long it took")
	assert.True(t, bytes.Equal(data, got.Bytes()), "the file's bytes")
}

// TestShutdownFinishesADownload is issue 14's probe of SIGTERM during a
// download: a client in the middle of an 8 MiB file when the shutdown
// begins gets the rest of it. A first version of this server closed every
// connection at once, and the client got 5 MB of the file.
func TestShutdownFinishesADownload(t *testing.T) {
	root, _ := fileTree(t)
	const size = 8 << 20
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	require.NoError(t, os.WriteFile(filepath.Join(root, "big"), data, 0o644))
	cfg := testConfig
	cfg.shutdownTimeout = time.Hour
	addr, stop := stoppable(t, cfg)
	c := dial(t, addr)
	c.send("GET /files/big HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	require.NoError(t, err)
	first := make([]byte, 1<<20)
	_, err = io.ReadFull(resp.Body, first)
	require.NoError(t, err)

	done := stop()
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, size, len(first)+len(rest), "the whole file")
	assert.True(t, bytes.Equal(data, append(first, rest...)), "the file's bytes")
	stopped(t, done)
}

// TestServeFilesToStalledClients is issue 14's probe: 40 clients ask for
// an 8 MiB file with a small receive buffer, read the head of the answer,
// and never read on. The file is sent as the socket drains (sendfile), so
// each costs the server what the kernel buffers, not the file: it used to
// hold every file whole, 786 MiB for these 40.
func TestServeFilesToStalledClients(t *testing.T) {
	root, _ := fileTree(t)
	const clients, size = 40, 8 << 20
	require.NoError(t, os.WriteFile(filepath.Join(root, "big"), bytes.Repeat([]byte("x"), size), 0o644))
	addr := startServer(t, testConfig)
	before := liveHeap()
	for range clients {
		c := dial(t, addr)
		require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(4<<10))
		c.send("GET /files/big HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(c.br, nil)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
	}
	held := int64(liveHeap()) - int64(before)
	assert.Less(t, held, int64(64<<20), "%d stalled downloads of %d MiB hold %d MiB", clients, size>>20, held>>20)
}

// TestServeStreamsUploads probes bodies held whole on the route that
// keeps its body: uploads of MaxBodyBytes, each sent but for its last
// byte, cost the server a buffer each, since an upload goes to a
// temporary file as it arrives. There are 128 MiB of them, whatever
// MaxBodyBytes is, so that bodies held whole would hold twice the bound,
// and the disk they take stays small on a machine that has little. Then every other one is finished, and stored whole, and the
// rest break off and leave nothing behind: no file of their names, and no
// temporary file.
func TestServeStreamsUploads(t *testing.T) {
	root, _ := fileTree(t)
	conns := (128 << 20) / MaxBodyBytes
	names, targets := make([]string, conns), make([]string, conns)
	for i := range names {
		names[i] = fmt.Sprintf("up%03d", i)
		targets[i] = "/files/" + names[i]
	}
	clients, held := stalledPosts(t, targets)
	assert.Less(t, held, int64(64<<20), "%d uploads of %d MiB hold %d MiB", conns, MaxBodyBytes>>20, held>>20)

	for i, c := range clients {
		if i%2 == 1 {
			c.conn.Close()
			continue
		}
		c.send("x")
		resp, _ := c.response()
		require.Equal(t, 201, resp.StatusCode)
		fi, err := os.Stat(filepath.Join(root, names[i]))
		require.NoError(t, err)
		assert.Equal(t, int64(MaxBodyBytes), fi.Size(), "%s is stored whole", names[i])
	}
	deadline := time.Now().Add(testDeadline)
	for len(tempFiles(t, root)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.Empty(t, tempFiles(t, root), "no temporary file is left behind")
	for i := 1; i < conns; i += 2 {
		assert.NoFileExists(t, filepath.Join(root, names[i]), "an upload that broke off is not stored")
	}
}
