//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"golang.org/x/sys/unix"
)

// echoRequest is what wrk sends for GET /echo/hello: a request line and a
// Host field, on a keep-alive connection.
const echoRequest = "GET /echo/hello HTTP/1.1\r\nHost: 127.0.0.1:4660\r\n\r\n"

// echoConn returns a loop configured as main configures it with no flags
// (recoverer and gzip around the router, the access log on, into
// io.Discard), and one of its connections. The connection's socket is
// /dev/null, whose write takes every byte at once and costs the system
// call and nothing else, so that what is measured is the loop's work.
func echoConn(tb testing.TB) (*loop, *conn) {
	l := newTestLoop(tb)
	l.cfg.handler = chain(app.Handler(), []Middleware{recoverer, cors(nil), noRateLimit, gzipMiddleware})
	l.cfg.log = io.Discard
	fd, err := unix.Open(os.DevNull, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	c := &conn{loop: l, fd: fd, peer: "127.0.0.1:50000"}
	l.conns[c.fd] = c
	l.srv.conns.Add(1)
	return l, c
}

// noRateLimit is what rateLimit returns without -rate: no middleware.
func noRateLimit(next Handler) Handler { return next }

// serveEcho hands one GET /echo/hello to c, as a read into the loop's
// buffer would, and returns once its answer is on its way to the client.
func serveEcho(tb testing.TB, l *loop, c *conn) { serveBytes(tb, l, c, echoRequest) }

// serveBytes hands the keep-alive request raw to c, as serveEcho does.
func serveBytes(tb testing.TB, l *loop, c *conn, raw string) {
	n := copy(l.buf, raw)
	c.received(l.buf[:n])
	if c.requests == 0 || len(c.out) > 0 || len(c.in) > 0 || c.state != connOpen {
		tb.Fatalf("not answered at once: %d requests, %d bytes out, %d in, state %d", c.requests, len(c.out), len(c.in), c.state)
	}
}

// BenchmarkServeEcho measures the loop's work for one small keep-alive
// GET, from the bytes received to the answer written: the
// parser, the router, the middleware, the handler, the response and the
// access-log line, without the read and epoll_wait around them, and with a write
// that costs next to nothing. Chapter 6,
// "What a request costs", profiles it:
//
//	go test -run '^$' -bench ServeEcho -benchmem -count 10 ./stage06_epoll
func BenchmarkServeEcho(b *testing.B) {
	l, c := echoConn(b)
	b.ReportAllocs()
	before := cpuTime(b)
	for b.Loop() {
		serveEcho(b, l, c)
		if len(l.logs) > 32<<10 {
			l.flushLog() // as the loop does at the end of each turn
		}
	}
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the user and system time the process has used: what a
// benchmark costs in CPU, the garbage collector's included, however often
// a busy machine takes the core away from it, which ns/op counts too.
func cpuTime(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestServeEchoAllocatesNothing keeps BenchmarkServeEcho's 0 allocs/op:
// a small keep-alive GET, from the bytes received to the answer queued,
// allocates nothing once the loop has served one like it (see chapter 6,
// "What a request costs"). AllocsPerRun counts allocations, not time, so
// a busy machine cannot make it fail.
func TestServeEchoAllocatesNothing(t *testing.T) {
	tests := []struct{ name, request string }{
		{"wrk", echoRequest},
		{"curl", "GET /echo/hello HTTP/1.1\r\nHost: localhost:4221\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"},
		{"Connection: keep-alive", "GET /echo/hello HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"},
		{"HTTP/1.0 keep-alive", "GET /echo/hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
		{"HEAD", "HEAD /echo/hello HTTP/1.1\r\nHost: localhost\r\n\r\n"},
		{"User-Agent", "GET /user-agent HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Mozilla/5.0\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, c := echoConn(t)
			allocs := testing.AllocsPerRun(100, func() {
				serveBytes(t, l, c, tc.request)
				l.flushLog()
			})
			assert.Zero(t, allocs, "allocations per request for %q", tc.request)
		})
	}
}
