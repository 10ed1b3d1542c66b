package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// courseServer is CodeCrafters' HTTP server challenge solved as its
// instructions ask, the way its public solutions do: one read per request,
// the request taken as UTF-8 text, "HTTP/1.1 200 OK\r\n\r\n" for GET / and
// no Content-Length on any answer without a body, file names joined to the
// directory as they come, gzip found by splitting Accept-Encoding on
// commas, no Vary. It passes the track's 14 stages, with warnings. Each
// flaw makes it fail one stage, the one named in the comment.
type courseServer struct {
	flaw string // "" for none
	dir  string // the files directory; "" for --directory's
}

// courseFlaws name the broken servers "cc-FLAW", each failing one stage.
var courseFlaws = []string{
	"reason-lowercase",      // ia4: HTTP/1.1 200 ok
	"always-200",            // ih0: every path is found
	"echo-no-length",        // cn2: the echo without Content-Length
	"ua-keeps-cr",           // fs3: lines split at \n, so values keep their \r
	"one-at-a-time",         // ej5: no goroutine per connection
	"files-from-cwd",        // ap6: --directory ignored
	"post-200",              // qv8: 200 OK, not 201 Created
	"always-gzip-header",    // df4: Content-Encoding: gzip whatever was asked
	"whole-accept-encoding", // ij8: gzip only when Accept-Encoding is just "gzip"
	"gzip-uncompressed",     // cr8: says gzip, sends the word as it is
	"close-each",            // ag9: closes after every answer
	"one-kept-alive",        // ul1: a lock held while waiting for a next request
	"ignores-close",         // kh7: Connection: close neither said nor done
}

func init() {
	brokenServers["cc-course"] = courseServer{}.serve
	for _, flaw := range courseFlaws {
		brokenServers["cc-"+flaw] = courseServer{flaw: flaw}.serve
	}
}

func (s courseServer) serve(ln net.Listener) {
	var keptAlive sync.Mutex
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if s.flaw == "one-at-a-time" {
			s.conn(c, &keptAlive)
			continue
		}
		go s.conn(c, &keptAlive)
	}
}

// conn answers each read as one request, until the client closes or asks
// for the close.
func (s courseServer) conn(c net.Conn, keptAlive *sync.Mutex) {
	defer c.Close()
	buf := make([]byte, 1024)
	for served := 0; ; served++ {
		if served == 1 && s.flaw == "one-kept-alive" {
			keptAlive.Lock()
			defer keptAlive.Unlock()
		}
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		out, closing := s.answer(s.parse(buf[:n]))
		if _, err := c.Write(out); err != nil || closing || s.flaw == "close-each" {
			return
		}
	}
}

// courseRequest is what the course's solutions make of a read.
type courseRequest struct {
	method, target string
	headers        map[string]string // lower-case names
	body           string
}

// parse reads one request out of one read, decoded as UTF-8 text.
func (s courseServer) parse(b []byte) courseRequest {
	text := strings.ToValidUTF8(string(b), "\uFFFD")
	head, body, _ := strings.Cut(text, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	if s.flaw == "ua-keeps-cr" {
		head, body, _ = strings.Cut(text, "\n\r\n")
		lines = strings.Split(head, "\n")
	}
	r := courseRequest{headers: map[string]string{}, body: body}
	if parts := strings.Fields(lines[0]); len(parts) >= 2 {
		r.method, r.target = parts[0], parts[1]
	}
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ": "); ok {
			r.headers[strings.ToLower(name)] = value
		}
	}
	return r
}

// answer routes a request and writes the response as the course shows it.
func (s courseServer) answer(r courseRequest) (out []byte, closing bool) {
	status, ctype, body := s.route(r)
	gzipIt := strings.HasPrefix(r.target, "/echo/") && s.acceptsGzip(r.headers["accept-encoding"])
	if gzipIt && s.flaw != "gzip-uncompressed" {
		body = []byte(gzipped(string(body), false))
	}
	if s.flaw == "reason-lowercase" {
		status = strings.Replace(status, "200 OK", "200 ok", 1)
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + status + "\r\n")
	if ctype != "" {
		b.WriteString("Content-Type: " + ctype + "\r\n")
	}
	if gzipIt || (s.flaw == "always-gzip-header" && strings.HasPrefix(r.target, "/echo/")) {
		b.WriteString("Content-Encoding: gzip\r\n")
	}
	if body != nil && !(s.flaw == "echo-no-length" && strings.HasPrefix(r.target, "/echo/")) {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	closing = r.headers["connection"] == "close" && s.flaw != "ignores-close"
	if closing {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return []byte(b.String()), closing
}

// acceptsGzip looks for gzip among the comma-separated codings, exactly
// as the course's example sends it.
func (s courseServer) acceptsGzip(value string) bool {
	if s.flaw == "whole-accept-encoding" {
		return value == "gzip"
	}
	for _, coding := range strings.Split(value, ",") {
		if strings.TrimSpace(coding) == "gzip" {
			return true
		}
	}
	return false
}

// route answers the course's paths; a nil body means none at all.
func (s courseServer) route(r courseRequest) (status, ctype string, body []byte) {
	dir := s.dir
	if dir == "" {
		dir = filesDir
	}
	if s.flaw == "files-from-cwd" {
		dir = "."
	}
	name, isFile := strings.CutPrefix(r.target, "/files/")
	switch {
	case r.target == "/":
		return "200 OK", "", nil
	case strings.HasPrefix(r.target, "/echo/"):
		return "200 OK", "text/plain", []byte(strings.TrimPrefix(r.target, "/echo/"))
	case r.target == "/user-agent":
		return "200 OK", "text/plain", []byte(r.headers["user-agent"])
	case isFile && r.method == "POST":
		if err := os.WriteFile(filepath.Join(dir, name), []byte(r.body), 0o644); err != nil {
			return "404 Not Found", "", nil
		}
		if s.flaw == "post-200" {
			return "200 OK", "", nil
		}
		return "201 Created", "", nil
	case isFile:
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "404 Not Found", "", nil
		}
		return "200 OK", "application/octet-stream", []byte(strings.ToValidUTF8(string(data), "\uFFFD"))
	case s.flaw == "always-200":
		return "200 OK", "", nil
	}
	return "404 Not Found", "", nil
}
