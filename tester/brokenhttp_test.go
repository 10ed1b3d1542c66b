package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// naiveHTTP is a small HTTP server written the way a first attempt often
// is: it trusts its input and validates nothing. With no flaw it passes
// stage 2's core checks; each flaw breaks it in one way a check must catch.
type naiveHTTP struct {
	alwaysOK      bool // answers 200 to every path
	echoNoLength  bool // sends /echo bodies without Content-Length
	bareLF        bool // ends lines in \n instead of \r\n
	uaKeepsCR     bool // splits headers on \n, keeping the \r in values
	singleRead    bool // reads each request with one read of up to 1 KiB
	closeEach     bool // closes after every response, silently
	closeNoHeader bool // closes on Connection: close without saying so
	closeNever    bool // says Connection: close but keeps the socket open
	oneAtATime    bool // serves connections one after another
	ignoresBody   bool // never reads a request body

	// Stage 3: methods turns on 405, HEAD and OPTIONS; the rest break them.
	methods        bool
	noAllow        bool // 405 without an Allow header
	headBody       bool // HEAD responses carry the body
	headZeroLength bool // HEAD responses say Content-Length: 0
	optionsLength  bool // 204 responses carry Content-Length: 0
}

func init() {
	for name, srv := range map[string]naiveHTTP{
		"http-always-200":     {alwaysOK: true},
		"http-echo-no-length": {echoNoLength: true},
		"http-bare-lf":        {bareLF: true},
		"http-ua-keeps-cr":    {uaKeepsCR: true},
		"http-single-read":    {singleRead: true},
		"http-close-each":     {closeEach: true},
		"http-close-silently": {closeNoHeader: true},
		"http-close-never":    {closeNever: true},
		"http-one-at-a-time":  {oneAtATime: true},
		"http-ignores-body":   {ignoresBody: true},
		"http-lenient":        {},

		"routing-ok":             {methods: true},
		"routing-no-allow":       {methods: true, noAllow: true},
		"routing-head-body":      {methods: true, headBody: true},
		"routing-head-no-length": {methods: true, headZeroLength: true},
		"routing-options-length": {methods: true, optionsLength: true},
	} {
		brokenServers[name] = srv.serve
	}
}

func (s naiveHTTP) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if s.oneAtATime {
			s.conn(c)
			continue
		}
		go s.conn(c)
	}
}

// naiveRequest is what the naive server understands of a request.
type naiveRequest struct {
	method, target string
	headers        map[string]string // lower-case names
}

func (s naiveHTTP) conn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		req, ok := s.read(c, r)
		if !ok {
			return
		}
		closing := strings.EqualFold(req.headers["connection"], "close")
		status, ctype, body := s.route(req)
		allow := ""
		if s.methods && req.method != "GET" && status != "404 Not Found" {
			status, allow = "405 Method Not Allowed", "GET, HEAD, OPTIONS"
			switch req.method {
			case "HEAD":
				status, allow = "200 OK", ""
			case "OPTIONS":
				status, ctype, body = "204 No Content", "", ""
			}
		}
		length := len(body)
		if req.method == "HEAD" && s.methods {
			if !s.headBody {
				body = ""
			}
			if s.headZeroLength {
				length = 0
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "HTTP/1.1 %s\r\n", status)
		if ctype != "" {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", ctype)
		}
		if allow != "" && !s.noAllow {
			fmt.Fprintf(&b, "Allow: %s\r\n", allow)
		}
		switch {
		case s.echoNoLength && strings.HasPrefix(req.target, "/echo/"):
		case strings.HasPrefix(status, "204") && !s.optionsLength:
		default:
			fmt.Fprintf(&b, "Content-Length: %d\r\n", length)
		}
		if closing && !s.closeNoHeader {
			b.WriteString("Connection: close\r\n")
		}
		b.WriteString("\r\n" + body)
		out := b.String()
		if s.bareLF {
			out = strings.ReplaceAll(out, "\r\n", "\n")
		}
		if _, err := io.WriteString(c, out); err != nil {
			return
		}
		if s.closeEach || (closing && !s.closeNever) {
			return
		}
	}
}

// read reads one request, trusting whatever arrives.
func (s naiveHTTP) read(c net.Conn, r *bufio.Reader) (naiveRequest, bool) {
	req := naiveRequest{headers: map[string]string{}}
	var lines []string
	if s.singleRead {
		buf := make([]byte, 1024)
		n, err := c.Read(buf)
		if err != nil {
			return req, false
		}
		lines = strings.Split(string(buf[:n]), "\r\n")
	} else {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return req, false
			}
			if !s.uaKeepsCR {
				line = strings.TrimRight(line, "\r\n")
			} else {
				line = strings.TrimSuffix(line, "\n")
			}
			if line == "" || line == "\r" {
				break
			}
			lines = append(lines, line)
		}
	}
	parts := strings.Split(lines[0], " ")
	req.method = parts[0]
	if len(parts) > 1 {
		req.target = parts[1]
	}
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ":"); ok {
			req.headers[strings.ToLower(name)] = strings.TrimLeft(value, " ")
		}
	}
	if n, err := strconv.Atoi(req.headers["content-length"]); err == nil && n > 0 && !s.ignoresBody && !s.singleRead {
		io.CopyN(io.Discard, r, int64(n))
	}
	return req, true
}

func (s naiveHTTP) route(req naiveRequest) (status, ctype, body string) {
	switch {
	case s.alwaysOK:
		return "200 OK", "", ""
	case req.target == "/":
		return "200 OK", "", ""
	case strings.HasPrefix(req.target, "/echo/"):
		return "200 OK", "text/plain", strings.TrimPrefix(req.target, "/echo/")
	case req.target == "/user-agent":
		return "200 OK", "text/plain", req.headers["user-agent"]
	}
	return "404 Not Found", "", ""
}
