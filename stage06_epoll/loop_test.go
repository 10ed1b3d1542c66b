//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The tests below are those stage 6's tester will run: many connections at
// once, a slow sender, a slow reader of a large answer, and clients that
// vanish. Most use one loop, so that every connection shares it and one
// that blocked the loop would block the others.

// bigBody returns n bytes of a pattern that repeats every 251 bytes, a
// prime, so that a byte lost or doubled at any buffer boundary shows.
func bigBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// serveBig makes the file routes serve files named big<n>, of bigBody(n)
// bytes, for each size.
func serveBig(t *testing.T, sizes ...int) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	for _, n := range sizes {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("big%d", n)), bigBody(n), 0o644))
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	filesRoot = root
	t.Cleanup(func() {
		filesRoot = nil
		root.Close()
	})
}

// requireBigBody checks that a big<n> file arrived intact.
func requireBigBody(t *testing.T, n int, body string) {
	t.Helper()
	require.Len(t, body, n)
	if want := bigBody(n); !bytes.Equal(want, []byte(body)) {
		i := 0
		for i < n && want[i] == body[i] {
			i++
		}
		t.Fatalf("the %d-byte body differs first at byte %d", n, i)
	}
}

func TestManyConnections(t *testing.T) {
	addr := startServer(t, testConfig)
	const n = 500
	conns := make([]*client, n)
	for i := range conns {
		conns[i] = dial(t, addr)
	}
	// Send on every connection first, then read: all 500 are in flight.
	for i, c := range conns {
		c.send(fmt.Sprintf("GET /echo/c%d HTTP/1.1\r\nHost: x\r\n\r\n", i))
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.ReadResponse(c.br, nil)
			if !assert.NoError(t, err, "connection %d", i) {
				return
			}
			body, err := io.ReadAll(resp.Body)
			assert.NoError(t, err)
			assert.Equal(t, fmt.Sprintf("c%d", i), string(body))
		}()
	}
	wg.Wait()
}

// TestSlowClientDoesNotDelayOthers starts a request that arrives a byte at
// a time, on a server with one loop, and holds the rest of it back until
// another client's request has been answered. A loop that waited for the
// slow client could never answer the other, and the test would time out;
// the order of events proves the point, with no clock in the test.
func TestSlowClientDoesNotDelayOthers(t *testing.T) {
	srv := startServerGet(t, config{idleTimeout: testDeadline, headerTimeout: testDeadline, loops: 1})
	addr := srv.addr.String()
	slow := dial(t, addr)
	req := "GET /echo/slow HTTP/1.1\r\nHost: x\r\nUser-Agent: dribbler\r\n\r\n"
	started, dribbled, fastDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(dribbled)
		for i := 0; i < len(req); i++ {
			if _, err := io.WriteString(slow.conn, req[i:i+1]); err != nil {
				return
			}
			if i == 4 {
				close(started)
				<-fastDone // the rest only once the other client has its answer
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// The slow request is under way: its first bytes are sent, and the
	// server holds its connection.
	select {
	case <-started:
	case <-dribbled:
		t.Fatal("the slow client could not send")
	case <-time.After(testDeadline):
		t.Fatal("the slow client never started sending")
	}
	require.Eventually(t, func() bool { return srv.conns.Load() == 1 }, testDeadline, time.Millisecond,
		"the server never accepted the slow connection")

	fast := dial(t, addr)
	fast.send("GET /echo/fast HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := fast.response()
	assert.Equal(t, "fast", body, "answered while the slow request is still half sent")
	close(fastDone)

	<-dribbled
	_, body = slow.response()
	assert.Equal(t, "slow", body)
}

// TestLargeAnswerToSlowReader asks for answers far larger than the socket
// buffers, on a connection with a small receive buffer, and reads them
// slowly: the server's writes are partial, and must resume at the right
// byte, while the loop keeps serving others.
func TestLargeAnswerToSlowReader(t *testing.T) {
	const size = 6 << 20
	serveBig(t, size, size+1)
	addr := startServer(t, config{idleTimeout: testDeadline, headerTimeout: testDeadline, loops: 1})
	c := dial(t, addr)
	require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(16<<10))
	// Two large answers and a small one, pipelined: they must come back
	// whole and in order.
	c.send(fmt.Sprintf("GET /files/big%d HTTP/1.1\r\nHost: x\r\n\r\nGET /files/big%d HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n", size, size+1))
	// Once the answer starts, the server has filled the socket, which holds
	// far less than 6 MiB, and waits for room.
	answers := answerStarted(t, c)

	// Meanwhile the loop serves others: the slow reader reads nothing more
	// until this answer is in, so a loop stuck on its writes would never
	// give it, and the test would time out.
	other := dial(t, addr)
	other.send("GET /echo/other HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := other.response()
	assert.Equal(t, "other", body)

	slowReader := bufio.NewReaderSize(answers, 64<<10)
	for _, n := range []int{size, size + 1} {
		resp, err := http.ReadResponse(slowReader, nil)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		requireBigBody(t, n, string(b))
	}
	resp, err := http.ReadResponse(slowReader, nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, "after", string(b))
}

// answerStarted waits, within c's deadline, until the first bytes of an
// answer reach c, and returns a slow reader of the answers: the bytes
// already here, then the rest of the connection through slowConn. It
// fails the test if no answer begins.
func answerStarted(t *testing.T, c *client) io.Reader {
	t.Helper()
	_, err := c.br.Peek(1)
	require.NoError(t, err, "no answer began")
	here, err := c.br.Peek(c.br.Buffered())
	require.NoError(t, err)
	return io.MultiReader(bytes.NewReader(bytes.Clone(here)), &slowConn{c.conn})
}

// slowConn reads at most 64 KiB at a time, with a pause before each read.
type slowConn struct{ net.Conn }

func (s *slowConn) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	return s.Conn.Read(p[:min(len(p), 64<<10)])
}

func TestDisconnectsAffectNoOne(t *testing.T) {
	serveBig(t, 4194304)
	srv := startServerGet(t, config{idleTimeout: testDeadline, headerTimeout: testDeadline, loops: 1})
	addr := srv.addr.String()
	bystander := dial(t, addr)
	for round := 0; round < 5; round++ {
		// Mid-request: half a head, then gone.
		c := dial(t, addr)
		c.send("GET /echo/half HTTP/1.1\r\nHost: loc")
		c.conn.Close()

		// Mid-response: ask for 4 MiB, read a little, then reset.
		c = dial(t, addr)
		c.send("GET /files/big4194304 HTTP/1.1\r\nHost: x\r\n\r\n")
		_, err := io.ReadFull(c.br, make([]byte, 1024))
		require.NoError(t, err)
		require.NoError(t, c.conn.(*net.TCPConn).SetLinger(0)) // close with RST
		c.conn.Close()

		// Mid-body, with a pipelined request after the 100 Continue.
		c = dial(t, addr)
		c.send("POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\nabc")
		c.conn.Close()
	}
	bystander.send("GET /echo/still HTTP/1.1\r\nHost: x\r\n\r\n")
	_, body := bystander.response()
	assert.Equal(t, "still", body)

	fresh := dial(t, addr)
	fresh.send("GET /echo/fresh HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	_, body = fresh.response()
	assert.Equal(t, "fresh", body)
	fresh.closed()

	// Every vanished connection was closed and forgotten: only the
	// bystander is left.
	assert.Eventually(t, func() bool { return srv.conns.Load() == 1 }, testDeadline, 10*time.Millisecond,
		"open connections: %d", srv.conns.Load())
}

func TestMaxConns(t *testing.T) {
	srv := startServerGet(t, config{idleTimeout: testDeadline, headerTimeout: testDeadline, maxConns: 2})
	addr := srv.addr.String()
	var kept []*client
	for i := 0; i < 2; i++ {
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, _ := c.response()
		assert.Equal(t, 200, resp.StatusCode)
		kept = append(kept, c)
	}

	extra := dial(t, addr)
	extra.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	raw, err := io.ReadAll(extra.br)
	require.NoError(t, err, "a clear refusal, not a reset")
	assert.Equal(t, tooManyConns, string(raw))
	extra.conn.Close()
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(tooManyConns)), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), "an error of a JSON API")
	assert.Equal(t, string(jsonResponse(errorJSON(503, "too many connections")).Body), string(body),
		"the one error shape, and Content-Length matches the body")
	assert.True(t, resp.Close)

	// Once a connection closes, there is room again.
	kept[0].conn.Close()
	assert.Eventually(t, func() bool { return srv.conns.Load() == 1 }, testDeadline, 10*time.Millisecond)
	c := dial(t, addr)
	c.send("GET /echo/room HTTP/1.1\r\nHost: x\r\n\r\n")
	_, b := c.response()
	assert.Equal(t, "room", b)
}

// TestExpectContinueNotWhenBodyIsHere checks that a client that sent its
// body with its head gets no 100 Continue, only the answer.
func TestExpectContinueNotWhenBodyIsHere(t *testing.T) {
	c := dial(t, startServer(t, testConfig))
	c.send("POST /echo/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody")
	resp, _ := c.response()
	assert.Equal(t, 405, resp.StatusCode, "the final answer, GET only, comes first")
	c.closed()
}

// TestShutdownFinishesAnswers starts a large answer to a client that reads
// slowly, then shuts down: new connections are refused at once, the idle
// ones are closed, and the answer in flight arrives whole before serve
// returns.
func TestShutdownFinishesAnswers(t *testing.T) {
	serveBig(t, 8<<20)
	srv, err := listen("127.0.0.1:0", config{idleTimeout: testDeadline, headerTimeout: testDeadline, loops: 2, maxConns: 100, shutdownTimeout: testDeadline, handler: testConfig.handler})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx) }()
	addr := srv.addr.String()

	idle := dial(t, addr)
	busy := dial(t, addr)
	require.NoError(t, busy.conn.(*net.TCPConn).SetReadBuffer(16<<10))
	const size = 8 << 20
	busy.send(fmt.Sprintf("GET /files/big%d HTTP/1.1\r\nHost: x\r\n\r\n", size))
	answer := answerStarted(t, busy) // in flight: 8 MiB does not fit in the socket

	cancel()
	idle.closed()
	assert.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, time.Second, 10*time.Millisecond, "no more connections are accepted")
	select {
	case <-done:
		t.Fatal("serve returned before the answer in flight was written")
	default:
	}

	resp, err := http.ReadResponse(bufio.NewReader(answer), nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	requireBigBody(t, size, string(b))

	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(testDeadline):
		t.Fatal("serve did not return")
	}
}

// newTestLoop makes a loop without a listening socket, for tests that drive
// one connection by hand.
func newTestLoop(t testing.TB) *loop {
	p, err := newPoller()
	require.NoError(t, err)
	l := &loop{
		srv:    &server{},
		cfg:    testConfig,
		lfd:    -1,
		poller: p,
		conns:  make(map[int]*conn),
		events: make([]event, eventsPerWait),
		buf:    make([]byte, readBufferSize),
		input:  newInput(nil),
		now:    time.Now(),
	}
	t.Cleanup(l.closeAll)
	return l
}

// socketPair returns a connection of l on one end of a socket pair, and the
// other end, standing for the client.
func socketPair(t *testing.T, l *loop) (*conn, int) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fds[1]) })
	require.NoError(t, unix.SetNonblock(fds[0], true))
	require.NoError(t, unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, 16<<10))
	require.NoError(t, l.poller.addRead(fds[0]))
	c := &conn{loop: l, fd: fds[0], peer: "test"}
	l.conns[c.fd] = c
	l.srv.conns.Add(1)
	return c, fds[1]
}

// TestConnBuffers follows one connection's buffers through partial input,
// pipelining, partial writes and back-pressure, driving the loop's
// functions by hand.
func TestConnBuffers(t *testing.T) {
	const size = 200 << 10
	serveBig(t, size)
	l := newTestLoop(t)
	c, peer := socketPair(t, l)

	// Half a request: kept, copied out of the loop's read buffer.
	n := copy(l.buf, "GET /echo/a HTTP/1.1\r\nHo")
	c.received(l.buf[:n])
	copy(l.buf, strings.Repeat("!", n)) // the next read overwrites it
	assert.Equal(t, "GET /echo/a HTTP/1.1\r\nHo", string(c.in))
	assert.Equal(t, "reading a request head", c.waiting)

	// The rest, and four pipelined requests for large files, and a small
	// one: the first file's head and as much of the file as the socket
	// takes are written, one slice of the rest waits in out with write
	// interest on, the rest of the file is not read yet, and the requests
	// after it wait in in.
	big := fmt.Sprintf("GET /files/big%d HTTP/1.1\r\nHost: x\r\n\r\n", size)
	c.received([]byte("st: x\r\n\r\n" + big + big + big + big + "GET /echo/z HTTP/1.1\r\nHost: x\r\n\r\n"))
	assert.Equal(t, 2, c.requests, "no answer is queued behind a file being sent")
	assert.NotNil(t, c.body, "the rest of the file is read as the client takes it")
	assert.NotEmpty(t, c.out)
	assert.LessOrEqual(t, len(c.out), streamSlice, "out holds a slice of the file at most")
	assert.Equal(t, 3*len(big)+len("GET /echo/z HTTP/1.1\r\nHost: x\r\n\r\n"), len(c.in))
	assert.Equal(t, "writing an answer", c.waiting)

	// The client reads; each time, the loop writes what fits and moves on
	// to the next request once an answer is out.
	var got bytes.Buffer
	buf := make([]byte, 64<<10)
	for i := 0; i < 10000 && (len(c.out) > 0 || len(c.in) > 0); i++ {
		m, err := unix.Read(peer, buf)
		if err == nil {
			got.Write(buf[:m])
		}
		l.flush(c)
	}
	require.Empty(t, c.out, "all written")
	for {
		m, err := unix.Read(peer, buf)
		if err != nil || m == 0 {
			break
		}
		got.Write(buf[:m])
		if m < len(buf) {
			break
		}
	}
	assert.Equal(t, 6, c.requests)
	assert.Nil(t, c.in, "no buffer held between requests")
	assert.Nil(t, c.out, "no buffer held between requests")
	assert.Equal(t, "waiting for a request", c.waiting)

	br := bufio.NewReader(&got)
	for _, want := range []string{"a", "", "", "", "", "z"} {
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		if want == "" {
			requireBigBody(t, size, string(b))
		} else {
			assert.Equal(t, want, string(b))
		}
	}
}

// TestConnReadBurstCap checks that a connection with more input than
// maxReadsPerEvent reads goes to the ready list instead of keeping the loop.
func TestConnReadBurstCap(t *testing.T) {
	l := newTestLoop(t)
	c, peer := socketPair(t, l)
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	// A read buffer the size of one request, so that each read returns
	// one; the answers go to the peer's receive buffer, which holds them
	// all.
	l.buf = make([]byte, len(req))
	for i := 0; i < maxReadsPerEvent+5; i++ {
		_, err := unix.Write(peer, req)
		require.NoError(t, err)
	}
	l.read(c)
	assert.True(t, c.queued, "cut off and queued")
	assert.Len(t, l.ready, 1)
	l.serveReady()
	assert.False(t, c.queued, "all read on the second turn")
	assert.Equal(t, maxReadsPerEvent+5, c.requests)
}
