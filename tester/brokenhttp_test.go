package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// naiveLoop holds stage 6's flaws: what goes wrong when a server handles
// partial writes and failed writes badly.
type naiveLoop struct {
	dropsOnBlock     bool // abandons the rest of a write that would block
	diesOnWriteError bool // exits when a client has gone (SIGPIPE in C)
	// headerDeadlinePending gives an answer the header timeout to be
	// written in when more requests wait in the input, as a loop that
	// rearms the header deadline for the buffered requests while the
	// answer before them is still pending.
	headerDeadlinePending bool
	// noBackPressure queues every answer without limit and goes on
	// reading requests, as a loop that never stops reading a connection
	// whose output is pending.
	noBackPressure bool
}

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

	json naiveJSON // stage 5
	sse  naiveSSE  // stage 5's GET /events, on with json
	api  naiveAPI  // stage 5's API middleware, with -api
	loop naiveLoop // stage 6

	// refuses turns on the refusals the parser-errors-json check sends
	// (400, 414, 431, 501, 505), as JSON errors; textRefusals sends them
	// as text/plain instead, as the parser of stage 2 wrote them.
	refuses      bool
	textRefusals bool
}

// naiveStage5 is the naive server with every route of stages 2 to 5 and
// no flaw, which the stage-5 and stage-6 flaws start from.
var naiveStage5 = naiveHTTP{methods: true, params: true, safeFiles: true, json: naiveJSON{on: true}}

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
	stage5 := naiveStage5
	for name, flaw := range map[string]func(*naiveJSON){
		"json-ok":             func(*naiveJSON) {},
		"json-no-location":    func(j *naiveJSON) { j.noLocation = true },
		"json-any-type":       func(j *naiveJSON) { j.anyType = true },
		"json-unknown-fields": func(j *naiveJSON) { j.unknownFields = true },
		"json-reads-all":      func(j *naiveJSON) { j.readsAll = true },
		"json-gzip-plain-len": func(j *naiveJSON) { j.gzipPlainLen = true },
		"json-gzip-zlib":      func(j *naiveJSON) { j.zlibNotGzip = true },
		"json-gzip-ignores-q": func(j *naiveJSON) { j.gzipIgnoresQ = true },
		"json-no-vary":        func(j *naiveJSON) { j.noVary = true },
		"json-ignores-query":  func(j *naiveJSON) { j.ignoresQuery = true },
		"json-racy-ids":       func(j *naiveJSON) { j.racyIDs = true },
		"json-text-errors":    func(j *naiveJSON) { j.textErrors = true },
	} {
		srv := stage5
		flaw(&srv.json)
		brokenServers[name] = srv.serve
	}
	refusing := stage5
	refusing.refuses = true
	brokenServers["json-parser-refuses"] = refusing.serve
	refusing.textRefusals = true
	brokenServers["json-parser-text-errors"] = refusing.serve
	for name, flaw := range map[string]func(*naiveLoop){
		"loop-drops-on-block":          func(l *naiveLoop) { l.dropsOnBlock = true },
		"loop-dies-on-epipe":           func(l *naiveLoop) { l.diesOnWriteError = true },
		"loop-one-at-a-time":           func(l *naiveLoop) {},
		"loop-header-deadline-pending": func(l *naiveLoop) { l.headerDeadlinePending = true },
		"loop-no-back-pressure":        func(l *naiveLoop) { l.noBackPressure = true },
	} {
		srv := stage5
		flaw(&srv.loop)
		srv.oneAtATime = name == "loop-one-at-a-time"
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
	proto          string            // the version, when the request line has three words
	headers        map[string]string // lower-case names
	body           string
	tooLarge       bool // over stage 5's 1 MiB limit, body left unread
	headBytes      int  // the request line and header lines, CRLFs included
}

func (s naiveHTTP) conn(c net.Conn) {
	if s.loop.noBackPressure {
		c = newUnboundedWriter(c)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		req, ok := s.read(c, r)
		if !ok {
			return
		}
		if status := s.refusal(req); status != "" {
			s.refuse(c, status)
			return
		}
		if s.json.on && req.target == "/events" && (req.method == "GET" || req.method == "HEAD") {
			if !s.sse.serve(c, r, req, s.acceptsGzip(req)) {
				return
			}
			continue
		}
		closing := strings.EqualFold(req.headers["connection"], "close")
		ans, methodAware := s.api.before(req, c)
		if !methodAware {
			ans.status, ans.ctype, ans.body, methodAware = s.route(req)
		}
		ans = s.api.after(req, ans)
		status, ctype, body := ans.status, ans.ctype, ans.body
		allow := ""
		if s.methods && req.method != "GET" && status != "404 Not Found" && !methodAware {
			status, allow = "405 Method Not Allowed", "GET, HEAD, OPTIONS"
			switch req.method {
			case "HEAD":
				status, allow = "200 OK", ""
			case "OPTIONS":
				status, ctype, body = "204 No Content", "", ""
			}
		}
		extra := ans.headers
		declared := -1 // a Content-Length other than the body's, for a flaw
		if s.json.on && body != "" && s.acceptsGzip(req) {
			plainLen := len(body)
			body = gzipped(body, s.json.zlibNotGzip)
			extra = append(extra, "Content-Encoding: gzip")
			if !s.json.noVary {
				extra = append(extra, "Vary: Accept-Encoding")
			}
			if s.json.gzipPlainLen {
				declared = plainLen
			}
		}
		if strings.HasPrefix(status, "201") && req.target == "/users" && !s.json.noLocation {
			var u user
			json.Unmarshal([]byte(body), &u)
			extra = append(extra, "Location: /users/"+u.ID.String())
		}
		length := len(body)
		if declared >= 0 {
			length = declared
		}
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
		for _, h := range extra {
			b.WriteString(h + "\r\n")
		}
		switch {
		case s.echoNoLength && strings.HasPrefix(req.target, "/echo/"):
		case strings.HasPrefix(status, "204") && !s.optionsLength:
		default:
			fmt.Fprintf(&b, "Content-Length: %d\r\n", length)
		}
		if (closing || req.tooLarge) && !s.closeNoHeader {
			b.WriteString("Connection: close\r\n")
		}
		b.WriteString("\r\n" + body)
		out := b.String()
		if s.bareLF {
			out = strings.ReplaceAll(out, "\r\n", "\n")
		}
		if s.loop.headerDeadlinePending && r.Buffered() > 0 {
			c.SetWriteDeadline(time.Now().Add(brokenHeaderTimeout))
		}
		if s.loop.dropsOnBlock {
			// Gives up on whatever the socket does not take at once, as a
			// loop that ignores a partial write to a non-blocking socket.
			c.SetWriteDeadline(time.Now().Add(5 * time.Millisecond))
		}
		if _, err := io.WriteString(c, out); err != nil {
			if s.loop.diesOnWriteError {
				fmt.Fprintln(os.Stderr, "write:", err, "(exiting, as a C server killed by SIGPIPE would)")
				os.Exit(1)
			}
			if !s.loop.dropsOnBlock {
				return
			}
		}
		c.SetWriteDeadline(time.Time{})
		if s.closeEach || (closing && !s.closeNever) || req.tooLarge {
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
			req.headBytes += len(line) + 2
			lines = append(lines, line)
		}
	}
	parts := strings.Split(lines[0], " ")
	req.method = parts[0]
	if len(parts) > 1 {
		req.target = parts[1]
	}
	if len(parts) == 3 {
		req.proto = parts[2]
	}
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ":"); ok {
			req.headers[strings.ToLower(name)] = strings.TrimLeft(value, " ")
		}
	}
	n, err := strconv.Atoi(req.headers["content-length"])
	if s.json.on && n > 1<<20 && !s.json.readsAll {
		req.tooLarge = true
		return req, true
	}
	if err == nil && n > 0 && !s.ignoresBody && !s.singleRead {
		body := make([]byte, n)
		io.ReadFull(r, body)
		req.body = string(body)
	}
	return req, true
}

// route answers a request. methodAware says the route itself chose the
// status for this method, so the stage-3 method rules leave it alone.
func (s naiveHTTP) route(req naiveRequest) (status, ctype, body string, methodAware bool) {
	if req.tooLarge {
		b, _ := json.Marshal(map[string]string{"error": "body over 1 MiB"})
		return "413 Content Too Large", "application/json", string(b), true
	}
	if s.json.on {
		if status, ctype, body, ok := s.jsonRoute(req); ok {
			return status, ctype, body, true
		}
	}
	if s.params {
		if status, ctype, body, ok := s.routeParams(req); ok {
			return status, ctype, body, req.method == "POST"
		}
	}
	switch {
	case s.alwaysOK:
		return "200 OK", "", "", false
	case req.target == "/":
		return "200 OK", "", "", false
	case strings.HasPrefix(req.target, "/echo/"):
		return "200 OK", "text/plain", strings.TrimPrefix(req.target, "/echo/"), false
	case req.target == "/user-agent":
		return "200 OK", "text/plain", req.headers["user-agent"], false
	}
	return "404 Not Found", "", "", false
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

// unboundedWriter queues every write and sends it from a goroutine of its
// own, so that the connection's reader goes on reading requests whatever
// the client has taken: an output buffer without a limit.
type unboundedWriter struct {
	net.Conn
	mu      sync.Mutex
	more    *sync.Cond
	queue   [][]byte
	closing bool
	drained chan struct{}
}

func newUnboundedWriter(c net.Conn) *unboundedWriter {
	w := &unboundedWriter{Conn: c, drained: make(chan struct{})}
	w.more = sync.NewCond(&w.mu)
	go w.drain()
	return w
}

// Write queues a copy of p, which never blocks.
func (w *unboundedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queue = append(w.queue, bytes.Clone(p))
	w.more.Signal()
	return len(p), nil
}

// Close closes the connection once the queue is written.
func (w *unboundedWriter) Close() error {
	w.mu.Lock()
	w.closing = true
	w.more.Signal()
	w.mu.Unlock()
	<-w.drained
	return w.Conn.Close()
}

// drain writes the queue in order; after a failed write it drops the rest.
func (w *unboundedWriter) drain() {
	defer close(w.drained)
	var failed error
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && !w.closing {
			w.more.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		b := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		if failed == nil {
			_, failed = w.Conn.Write(b)
		}
	}
}

// refusal is the status the parser refuses req with, or "" to serve it:
// the refusals of stage 2's card, checked the simple way, once the whole
// head has been read.
func (s naiveHTTP) refusal(req naiveRequest) string {
	if !s.refuses {
		return ""
	}
	te := req.headers["transfer-encoding"]
	switch version := req.proto; {
	case req.target == "" || version == "":
		return "400 Bad Request"
	case len(req.method) > 8<<10:
		return "501 Not Implemented"
	case len(req.target) > 8<<10:
		return "414 URI Too Long"
	case !strings.HasPrefix(version, "HTTP/1."):
		return "505 HTTP Version Not Supported"
	case req.headBytes > 8<<10:
		return "431 Request Header Fields Too Large"
	case te != "" && !strings.EqualFold(te, "chunked"):
		return "501 Not Implemented"
	}
	return ""
}

// refuse answers a refused request and leaves the connection to close.
func (s naiveHTTP) refuse(c net.Conn, status string) {
	ctype, body := "application/json", `{"error":"`+status[4:]+`"}`+"\n"
	if s.textRefusals {
		ctype, body = "text/plain", status[4:]+"\n"
	}
	fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, ctype, len(body), body)
}
