package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncLog is a log destination that the server's goroutines may write to
// while a test reads it.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// watchLog sends the log to a syncLog for the rest of the test.
func watchLog(t *testing.T) *syncLog {
	var l syncLog
	log.SetOutput(&l)
	t.Cleanup(func() { log.SetOutput(io.Discard) })
	return &l
}

// failingListener fails its first accepts with EMFILE, as the accept of a
// process out of file descriptors does, then accepts as its listener does.
type failingListener struct {
	net.Listener
	fails int
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.fails > 0 {
		l.fails--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestServeKeepsAcceptingAfterErrors is issue 14's probe of accept errors:
// with the open-file limit at 64 and 120 connections, accept failed with
// EMFILE and the server exited, leaving the port refusing everybody. Now
// it waits and tries again, 5 ms doubling up to a second, logging each
// wait, and serves the connections that waited in the kernel.
func TestServeKeepsAcceptingAfterErrors(t *testing.T) {
	logged := watchLog(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	c := dial(t, serveOn(t, &failingListener{Listener: ln, fails: 3}, testConfig))
	c.send("GET /echo/still HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "still", body)
	for _, wait := range []string{"5ms", "10ms", "20ms"} {
		assert.Contains(t, logged.String(), "accept4: too many open files; retrying in "+wait)
	}
}

// TestServeConnectionLimit checks -max-conns: a connection over the limit
// is answered 503 with Retry-After before its request is read, and closed,
// while those within it are served; once one closes, a new one is served.
func TestServeConnectionLimit(t *testing.T) {
	cfg := testConfig
	cfg.maxConns = 2
	addr := startServer(t, cfg)
	var within []*client
	for range cfg.maxConns {
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, _ := c.response()
		require.Equal(t, 200, resp.StatusCode)
		within = append(within, c)
	}

	over := dial(t, addr)
	over.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := over.response()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.True(t, resp.Close, "Connection: close")
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
	assert.Equal(t, "too many connections\n", body)
	over.closed()

	within[0].conn.Close()
	deadline := time.Now().Add(testDeadline)
	for {
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, _ := c.response()
		if resp.StatusCode == 200 || time.Now().After(deadline) {
			assert.Equal(t, 200, resp.StatusCode, "served once a connection closed")
			return
		}
		c.conn.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

// smallSendBuffers is a listener whose connections have a send buffer of
// 64 KiB, so that the kernel cannot hide a slow client behind megabytes of
// its own buffering: on loopback a send buffer grows to 4 MiB, and only
// when half of it has drained does a blocked write learn that the client
// read anything.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(64 << 10)
	}
	return c, err
}

// stoppable serves cfg on a fresh port, like startServer, through
// connections with small send buffers, and returns its address and a
// function that starts a graceful shutdown. The channel that function
// returns receives what serveListener returned; see stopped.
func stoppable(t *testing.T, cfg config) (string, func() <-chan error) {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- serveListener(ctx, smallSendBuffers{tcp}, cfg) }()
	return tcp.Addr().String(), func() <-chan error {
		cancel()
		return done
	}
}

// stopped waits for serveListener to return from the shutdown that done
// is from, and fails the test if it does not within testDeadline.
func stopped(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(testDeadline):
		t.Fatal("serveListener did not return after cancel")
	}
}

// TestShutdownClosesIdleConnections checks that a connection waiting for
// a request, or for the rest of its head, is closed as soon as the
// shutdown has seen that nothing more is coming: with a shutdown timeout
// of an hour, anything else would keep serveListener from returning.
func TestShutdownClosesIdleConnections(t *testing.T) {
	cfg := testConfig
	cfg.shutdownTimeout = time.Hour
	addr, stop := stoppable(t, cfg)
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := c.response()
	assert.Equal(t, 200, resp.StatusCode)
	started := dial(t, addr)
	started.send("GET / HTTP/1.1\r\nHo") // a head that never ends is no request yet

	stopped(t, stop())
	c.closed()
	started.closed()
}

// pipelined is n requests in one string, each echoing a word of 4 KiB so
// that their answers outgrow the socket buffers of a client that does not
// read them yet.
func pipelined(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "GET /echo/%04d%s HTTP/1.1\r\nHost: x\r\n\r\n", i, strings.Repeat("x", 4<<10))
	}
	return b.String()
}

// TestShutdownAnswersWhatWasSent is issue 14's probe of SIGTERM: a client
// pipelines 200 requests and reads the answers only after the shutdown has
// begun. Every request it sent is answered, then the connection closes. A
// first version of this server closed every connection at shutdown, and
// the client got 33 answers and a reset.
func TestShutdownAnswersWhatWasSent(t *testing.T) {
	cfg := testConfig
	cfg.shutdownTimeout = time.Hour
	addr, stop := stoppable(t, cfg)
	c := dial(t, addr)
	require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(64<<10))
	const n = 200
	c.send(pipelined(n))
	resp, _ := c.response() // the server is answering
	require.Equal(t, 200, resp.StatusCode)

	done := stop()
	for i := 1; i < n; i++ {
		resp, body := c.response()
		require.Equal(t, 200, resp.StatusCode, "answer %d", i)
		require.Equal(t, fmt.Sprintf("%04d", i), body[:4], "answer %d", i)
	}
	c.closed()
	stopped(t, done)
}

// TestShutdownGivesUp checks -shutdown-timeout: a client that never reads
// its answers holds the shutdown for that long and no longer; then its
// connection is closed and serveListener returns.
func TestShutdownGivesUp(t *testing.T) {
	logged := watchLog(t)
	cfg := testConfig
	cfg.shutdownTimeout = 200 * time.Millisecond
	addr, stop := stoppable(t, cfg)
	c := dial(t, addr)
	require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(64<<10))
	c.send(pipelined(200))
	resp, _ := c.response() // the server is answering, and will block
	require.Equal(t, 200, resp.StatusCode)

	stopped(t, stop())
	assert.Contains(t, logged.String(), "connections still open after 200ms; closed them")
	_, err := io.Copy(io.Discard, c.br)
	assert.NotErrorIs(t, err, os.ErrDeadlineExceeded, "the connection ends, with a reset or not")
}
