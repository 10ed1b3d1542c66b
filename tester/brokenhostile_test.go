package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// hostileServers answer in ways meant to exhaust the tester, not to pass:
// a gzip bomb, a body of a gigabyte sent as fast as loopback goes, a body
// that trickles for ever. The tester must fail each with a message naming
// the limit it hit, in bounded memory (testdata/script/tester_hostile.txtar).
// gzip-members is their correct counterpart: gzip in two members, which is
// valid gzip (RFC 1952 §2.2) and must pass.
var hostileServers = map[string]func(net.Conn, naiveRequest) bool{
	"hostile-gzip-bomb":       gzipBomb(4_000_000),
	"hostile-gzip-bomb-small": gzipBomb(800_000),
	"hostile-huge-length":     hugeLength,
	"hostile-trickle":         trickle,
	"gzip-members":            gzipMembers,
}

func init() {
	for name, answer := range hostileServers {
		brokenServers[name] = serveHostile(answer)
	}
}

// serveHostile reads requests as the naive server does and has answer
// reply to each, until it returns false or the client goes.
func serveHostile(answer func(net.Conn, naiveRequest) bool) func(net.Listener) {
	return serveEach(func(c net.Conn) {
		r := bufio.NewReader(c)
		var s naiveHTTP
		for {
			req, ok := s.read(c, r)
			if !ok || !answer(c, req) {
				return
			}
		}
	})
}

// answerPlain answers the echo route correctly, for the requests a hostile
// server leaves alone.
func answerPlain(c net.Conn, req naiveRequest) bool {
	body := strings.TrimPrefix(req.target, "/echo/")
	_, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	return err == nil
}

// gzipHead is the head of a gzip answer with a body of n bytes.
func gzipHead(n int) string {
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\nContent-Length: %d\r\n\r\n", n)
}

// bombMember is one gzip member holding 100 MiB of zeros, about 100 KB
// compressed. It is compressed once, from a 64 KiB buffer of zeros, so the
// server never holds the 100 MiB.
var bombMember = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zeros := make([]byte, 64<<10)
	for i := 0; i < (100<<20)/len(zeros); i++ {
		zw.Write(zeros)
	}
	zw.Close()
	return b.Bytes()
})

// gzipBomb answers a request that accepts gzip with at least size bytes of
// bomb members one after another, each 100 MiB of zeros, written one member
// at a time as the client reads.
func gzipBomb(size int) func(net.Conn, naiveRequest) bool {
	return func(c net.Conn, req naiveRequest) bool {
		if !acceptsGzip(req.headers["accept-encoding"]) {
			return answerPlain(c, req)
		}
		m := bombMember()
		count := (size + len(m) - 1) / len(m)
		if _, err := io.WriteString(c, gzipHead(count*len(m))); err != nil {
			return false
		}
		for i := 0; i < count; i++ {
			if _, err := c.Write(m); err != nil {
				return false
			}
		}
		return true
	}
}

// hugeLength promises a body of a gigabyte and sends it as fast as the
// client takes it, from one 64 KiB buffer.
func hugeLength(c net.Conn, req naiveRequest) bool {
	const size = 1_000_000_000
	if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", size); err != nil {
		return false
	}
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for sent := 0; sent < size; sent += len(chunk) {
		if _, err := c.Write(chunk[:min(len(chunk), size-sent)]); err != nil {
			return false
		}
	}
	return true
}

// trickle promises a 100,000-byte body and sends one byte of it every
// 20 ms, far quicker than any -timeout, so the body keeps arriving but
// would take over half an hour to complete.
func trickle(c net.Conn, req naiveRequest) bool {
	if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"); err != nil {
		return false
	}
	for i := 0; i < 100000; i++ {
		if _, err := c.Write([]byte{'a'}); err != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// gzipMembers answers gzip in two members, the echo's first half and its
// second: valid gzip, which a client inflates to the whole echo.
func gzipMembers(c net.Conn, req naiveRequest) bool {
	if !acceptsGzip(req.headers["accept-encoding"]) {
		return answerPlain(c, req)
	}
	word := strings.TrimPrefix(req.target, "/echo/")
	body := gzipped(word[:len(word)/2], false) + gzipped(word[len(word)/2:], false)
	_, err := io.WriteString(c, gzipHead(len(body))+body)
	return err == nil
}
