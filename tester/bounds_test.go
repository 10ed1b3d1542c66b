package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gzipMember compresses b as one gzip member.
func gzipMember(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return out.Bytes()
}

// TestGunzip: every member of a gzip body is inflated, and the limit holds
// for the members together, not for each alone.
func TestGunzip(t *testing.T) {
	zeros := make([]byte, 48<<10)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		body    []byte
		want    string
		wantErr error // nil: inflates to want
		anyErr  bool
	}{
		{"one member", gzipMember(t, []byte("hello")), "hello", nil, false},
		{"two members make one echo", cat(gzipMember(t, []byte("hel")), gzipMember(t, []byte("lo"))), "hello", nil, false},
		{"a member past the limit", gzipMember(t, make([]byte, 1<<20)), "", errInflateLimit, false},
		{"members each under the limit, together past it", cat(gzipMember(t, zeros), gzipMember(t, zeros)), "", errInflateLimit, false},
		{"not gzip", []byte("hello"), "", nil, true},
		{"cut short", gzipMember(t, []byte("hello"))[:12], "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := gunzip(tt.body, 64<<10)
			switch {
			case tt.wantErr != nil:
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Len(t, plain, 64<<10, "it stops at the limit")
			case tt.anyErr:
				assert.Error(t, err)
			default:
				assert.NoError(t, err)
				assert.Equal(t, tt.want, string(plain))
			}
		})
	}
}

// hostileConn connects a conn to a server that runs answer on the one
// connection it accepts. The tester's -timeout is long: each case must end
// on a limit, never by waiting.
func hostileConn(t *testing.T, answer func(net.Conn)) *conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		answer(c)
	}()
	tt := &T{ctx: context.Background(), addr: ln.Addr().String(), timeout: 30 * time.Second, rep: &reporter{w: io.Discard}}
	c, err := tt.dial()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// flood writes head, then repeats unit until about a gigabyte has gone or
// the client leaves.
func flood(head, unit string) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := io.WriteString(c, head); err != nil {
			return
		}
		chunk := []byte(strings.Repeat(unit, max(1, (64<<10)/len(unit))))
		for sent := 0; sent < 1<<30; sent += len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}
}

// allocated returns how many bytes f allocated, all goroutines counted.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReadBounded: however a response floods the connection, reading it
// allocates a bounded amount and fails naming the limit it hit.
func TestReadBounded(t *testing.T) {
	tests := []struct {
		name   string
		answer func(net.Conn)
		want   string
	}{
		{"a Content-Length of a gigabyte",
			flood("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n", "a"),
			"the headers promise a 1000000000-byte body (Content-Length: 1000000000), more than the 1048576 bytes the tester reads"},
		{"endless chunks",
			flood("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "10\r\naaaaaaaaaaaaaaaa\r\n"),
			"takes the body past the 1048576 bytes the tester reads"},
		{"one huge chunk",
			flood("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n", "a"),
			"a chunk of 2147483647 bytes takes the body past the 1048576 bytes"},
		{"an endless trailer",
			flood("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", "X-Trailer: a\r\n"),
			"the chunked trailer runs past 65536 bytes"},
		{"a body up to a close that never comes",
			flood("HTTP/1.1 200 OK\r\n\r\n", "a"),
			"its body runs to the close, and it passed the 1048576 bytes the tester reads"},
		{"a head that never ends",
			flood("HTTP/1.1 200 OK\r\n", "X-Header: a\r\n"),
			`no "\r\n\r\n" within the first 65536 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := hostileConn(t, tt.answer)
			var err error
			n := allocated(func() { _, err = c.readResponse(false) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Less(t, n, uint64(64<<20), "bytes allocated reading it")
			assert.LessOrEqual(t, len(c.got), maxKept, "what the report keeps")
		})
	}
}

// TestReadBodyExpected: the limit grows with the body the check expects, so
// a large expected body is read whole.
func TestReadBodyExpected(t *testing.T) {
	body := strings.Repeat("b", 3<<20)
	c := hostileConn(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 3145728\r\n\r\n"+body)
	})
	c.expected = len(body)
	r, err := c.readResponse(false)
	require.NoError(t, err)
	assert.Equal(t, body, string(r.body))
}

// TestFloodAfterResponse: bytes that follow a response are sampled, not
// read for as long as they come.
func TestFloodAfterResponse(t *testing.T) {
	c := hostileConn(t, flood("", "x"))
	var extra []byte
	n := allocated(func() { extra = c.extra(time.Second) })
	assert.NotEmpty(t, extra)
	assert.Less(t, len(extra), 2*maxExtra)
	assert.Less(t, n, uint64(64<<20), "bytes allocated reading it")

	err := c.expectClosed(time.Second)
	assert.ErrorContains(t, err, "expected the connection to close, but more bytes arrived")
}

// TestTrickledChunks: a chunked body whose chunks keep coming, each well
// within -timeout, still ends when the response's one budget does, and the
// message says the bytes were still coming.
func TestTrickledChunks(t *testing.T) {
	c := hostileConn(t, func(c net.Conn) {
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"); err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			if _, err := io.WriteString(c, "1\r\na\r\n"); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	c.t.timeout = time.Second
	_, err := c.readResponse(false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bytes of the answer arrived in 4s and more were still coming")
	assert.ErrorIs(t, err, errTimeout)
}
