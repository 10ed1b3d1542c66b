package main

import (
	"bytes"
	"io"
	"log"
	"net"
	"os"
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
	assert.Contains(t, body, "too many connections")
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
