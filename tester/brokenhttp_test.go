package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
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

	// Stage 4: params turns on the user and file routes; safeFiles keeps
	// file names inside --directory; the rest break them.
	params       bool
	safeFiles    bool
	meAsID       bool // /users/me answered by /users/{id}
	filesAnyType bool // files served as text/plain
	post200      bool // POST /files answers 200 instead of 201
	filesFromCwd bool // ignores --directory
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

		"params-ok":          {methods: true, params: true, safeFiles: true},
		"params-me-as-id":    {methods: true, params: true, safeFiles: true, meAsID: true},
		"params-files-naive": {methods: true, params: true},
		"params-files-text":  {methods: true, params: true, safeFiles: true, filesAnyType: true},
		"params-post-200":    {methods: true, params: true, safeFiles: true, post200: true},
		"params-files-cwd":   {methods: true, params: true, safeFiles: true, filesFromCwd: true},
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
	body           string
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
		postsFile := s.params && req.method == "POST" && strings.HasPrefix(req.target, "/files/")
		if s.methods && req.method != "GET" && status != "404 Not Found" && !postsFile {
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
		body := make([]byte, n)
		io.ReadFull(r, body)
		req.body = string(body)
	}
	return req, true
}

func (s naiveHTTP) route(req naiveRequest) (status, ctype, body string) {
	if s.params {
		if status, ctype, body, ok := s.routeParams(req); ok {
			return status, ctype, body
		}
	}
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

// filesDir is the --directory the broken server was started with.
var filesDir = "."

// routeParams answers stage 4's routes. With safeFiles off it joins the
// decoded name to the directory as it comes, the classic traversal bug.
func (s naiveHTTP) routeParams(req naiveRequest) (status, ctype, body string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(req.target, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "users" && parts[1] == "me" && !s.meAsID:
		return "200 OK", "text/plain", "current user", true
	case len(parts) == 2 && parts[0] == "users":
		return "200 OK", "text/plain", "user " + parts[1], true
	case len(parts) == 4 && parts[0] == "users" && parts[2] == "posts":
		return "200 OK", "text/plain", "post " + parts[3] + " of user " + parts[1], true
	case len(parts) >= 2 && parts[0] == "files":
		raw := strings.Join(parts[1:], "/")
		name, err := url.PathUnescape(raw)
		dir := filesDir
		if s.filesFromCwd {
			dir = "."
		}
		if err != nil {
			return "400 Bad Request", "", "", true
		}
		if s.safeFiles {
			if strings.ContainsAny(name, "/\\\x00") || name == ".." || name == "." {
				return "400 Bad Request", "", "", true
			}
			if fi, err := os.Lstat(filepath.Join(dir, name)); err == nil && fi.Mode()&os.ModeSymlink != 0 {
				return "404 Not Found", "", "", true
			}
		}
		path := filepath.Join(dir, name)
		if req.method == "POST" {
			if err := os.WriteFile(path, []byte(req.body), 0o644); err != nil {
				return "404 Not Found", "", "", true
			}
			if s.post200 {
				return "200 OK", "", "", true
			}
			return "201 Created", "", "", true
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "404 Not Found", "", "", true
		}
		ctype = "application/octet-stream"
		if s.filesAnyType {
			ctype = "text/plain"
		}
		return "200 OK", ctype, string(data), true
	}
	return "", "", "", false
}
