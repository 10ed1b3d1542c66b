package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// altServer is a small HTTP/1.1 server that answers the routes of stage 2
// correctly, in one of the other ways the RFCs allow where the reference
// chose one: each field turns one on. The tests below prove that the
// tester accepts each, with the warnings it should give.
type altServer struct {
	closeDelimited bool           // refusals carry no Content-Length: the close ends them
	expectAtOnce   bool           // Expect: 100-continue gets the final status at once, and the close
	headNoLength   bool           // HEAD answers carry no Content-Length
	phrases        map[int]string // reason phrases other than RFC 9110's
	redirectDots   bool           // a target with a .. segment is redirected to /
	earlyHints     bool           // 103 Early Hints before every final answer
	chunked        bool           // bodies in chunked coding
	chunkEnd       string         // with chunked, what follows the last chunk's "0\r\n"; "\r\n" when empty
	teAsChunked    bool           // Transfer-Encoding with Content-Length read as chunked, then the close
}

// altRequest is what altServer reads of a request.
type altRequest struct {
	method, target string
	header         textproto.MIMEHeader
}

var errAltBad = errors.New("bad request")

func (s altServer) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go s.conn(c)
	}
}

func (s altServer) conn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := readAltRequest(br)
		switch {
		case errors.Is(err, errAltBad):
			s.write(c, req, 400, "", "bad request\n", true)
			return
		case err != nil:
			return
		}
		if !s.answer(c, br, req) {
			return
		}
	}
}

// readAltRequest reads a request line and the header section.
func readAltRequest(br *bufio.Reader) (*altRequest, error) {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, err
	}
	parts := strings.Split(line, " ")
	if len(parts) != 3 || parts[2] != "HTTP/1.1" || parts[1] == "" {
		return &altRequest{}, errAltBad
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return &altRequest{}, errAltBad
	}
	return &altRequest{method: parts[0], target: parts[1], header: h}, nil
}

// answer reads the body of req and answers it; it reports whether the
// connection goes on.
func (s altServer) answer(c net.Conn, br *bufio.Reader, req *altRequest) bool {
	n, _ := strconv.Atoi(req.header.Get("Content-Length"))
	teAndCL := req.header.Get("Transfer-Encoding") != "" && req.header.Get("Content-Length") != ""
	switch {
	case teAndCL && s.teAsChunked:
		if err := skipChunked(br); err != nil {
			return false
		}
		n = 0 // the chunked coding framed the body, not Content-Length
	case teAndCL:
		s.write(c, req, 400, "", "", true)
		return false
	case req.header.Get("Expect") == "100-continue" && s.expectAtOnce:
		code, ctype, body := altRoute(req)
		s.write(c, req, code, ctype, body, true)
		return false
	case req.header.Get("Expect") == "100-continue":
		io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
	}
	if _, err := io.CopyN(io.Discard, br, int64(n)); err != nil {
		return false
	}
	code, ctype, body := altRoute(req)
	if target := strings.ToLower(req.target); s.redirectDots && (strings.Contains(target, "..") || strings.Contains(target, "%2e%2e")) {
		code, ctype, body = 307, "", ""
	}
	closing := req.header.Get("Connection") == "close" || teAndCL
	s.write(c, req, code, ctype, body, closing)
	return !closing
}

// skipChunked reads a chunked body to its end.
func skipChunked(br *bufio.Reader) error {
	tp := textproto.NewReader(br)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(strings.Split(line, ";")[0], 16, 64)
		if err != nil {
			return err
		}
		if size == 0 {
			_, err := tp.ReadMIMEHeader() // the trailer section
			return err
		}
		if _, err := io.CopyN(io.Discard, br, size+2); err != nil {
			return err
		}
	}
}

// altRoute answers stage 2's routes.
func altRoute(req *altRequest) (code int, ctype, body string) {
	get := req.method == "GET" || req.method == "HEAD"
	switch {
	case get && req.target == "/":
		return 200, "", ""
	case get && strings.HasPrefix(req.target, "/echo/"):
		return 200, "text/plain", strings.TrimPrefix(req.target, "/echo/")
	case get && req.target == "/user-agent":
		return 200, "text/plain", req.header.Get("User-Agent")
	}
	return 404, "", ""
}

// write sends one answer, framed as the server's flags say.
func (s altServer) write(w io.Writer, req *altRequest, code int, ctype, body string, closing bool) {
	var b strings.Builder
	if s.earlyHints {
		b.WriteString("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
	}
	phrase, ok := s.phrases[code]
	if !ok {
		phrase = reasonPhrases[code]
	}
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, phrase)
	if ctype != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", ctype)
	}
	if code == 307 {
		b.WriteString("Location: /\r\n")
	}
	head := req != nil && req.method == "HEAD"
	switch {
	case closing && s.closeDelimited && code >= 400:
	case s.chunked && !head:
		b.WriteString("Transfer-Encoding: chunked\r\n")
		if body != "" {
			body = fmt.Sprintf("%x\r\n%s\r\n", len(body), body)
		}
		end := s.chunkEnd
		if end == "" {
			end = "\r\n"
		}
		body += "0\r\n" + end
	case !(head && s.headNoLength):
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	if closing {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	if !head {
		b.WriteString(body)
	}
	io.WriteString(w, b.String())
}

// TestCalibrationAlternatives runs the checks each way of answering
// concerns against a server that answers that way, and expects a pass with
// exactly the warnings listed: none where the RFCs and the cards agree
// that either way is fine.
// startAlt serves s on a loopback port until the test ends, and returns
// its address.
func startAlt(t *testing.T, s altServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go s.serve(ln)
	return ln.Addr().String()
}

func TestCalibrationAlternatives(t *testing.T) {
	tests := []struct {
		name   string
		server altServer
		stage  int
		run    string
		warned []string
	}{
		{"a close-delimited error body", altServer{closeDelimited: true}, 2, "^bad-request-line$", nil},
		{"the final status at once for Expect", altServer{expectAtOnce: true}, 2, "^expect-100$",
			[]string{`expect-100: the server answered "HTTP/1.1 404 Not Found" at once, without 100 Continue`}},
		{"HEAD without Content-Length", altServer{headNoLength: true}, 3, "^head$", []string{
			"head: the response to HEAD has no Content-Length; GET's says Content-Length: 0",
			"head: the response to HEAD has no Content-Length; GET's says Content-Length: 9",
		}},
		{"other reason phrases", altServer{phrases: map[int]string{200: "Okay", 404: "Request Entity Too Large"}}, 2, "^(root-200|not-found-404)$", []string{
			`root-200: the status line "HTTP/1.1 200 Okay" has another reason phrase than RFC 9110's "HTTP/1.1 200 OK"`,
			`not-found-404: the status line "HTTP/1.1 404 Request Entity Too Large" has another reason phrase than RFC 9110's "HTTP/1.1 404 Not Found"`,
		}},
		{"a 307 for dot segments", altServer{redirectDots: true}, 4, "^files-traversal$", []string{
			`files-traversal: a .. segment was answered "HTTP/1.1 307 Temporary Redirect"`,
			`files-traversal: percent-encoded dots was answered "HTTP/1.1 307 Temporary Redirect"`,
			`files-traversal: an encoded slash was answered "HTTP/1.1 307 Temporary Redirect"`,
			`files-traversal: an encoded dots and slash was answered "HTTP/1.1 307 Temporary Redirect"`,
			`files-traversal: a detour through the directory's own name was answered "HTTP/1.1 307 Temporary Redirect"`,
			`files-traversal: a POST to a name outside --directory was answered "HTTP/1.1 307 Temporary Redirect"`,
		}},
		{"103 Early Hints before each answer", altServer{earlyHints: true}, 2, "^(root-200|echo-path|keep-alive|pipelined)$", nil},
		{"chunked bodies", altServer{chunked: true}, 2, "^(root-200|echo-path|pipelined)$", []string{
			"root-200: the response has no Content-Length: its body came in chunked coding",
			"echo-path: the response has no Content-Length: its body came in chunked coding",
			"pipelined: the response has no Content-Length: its body came in chunked coding",
		}},
		{"chunked bodies with a trailer field", altServer{chunked: true, chunkEnd: "X-Checksum: 9\r\n\r\n"}, 2, "^echo-path$", []string{
			"echo-path: the response has no Content-Length: its body came in chunked coding",
		}},
		{"Transfer-Encoding with Content-Length read as chunked", altServer{teAsChunked: true}, 2, "^te-and-cl-400$",
			[]string{"te-and-cl-400: the request with both Transfer-Encoding and Content-Length was read as chunked, not refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startAlt(t, tt.server)
			code, rep := runTester(t, "-stage", fmt.Sprint(tt.stage), "-strict", "-addr", addr, "-directory", servedDir(t), "-run", tt.run)
			assert.Equal(t, 0, code)
			assert.Equal(t, tt.warned, rep.warnings())

			// -pedantic turns exactly those warnings into a failure.
			code, _ = runTester(t, "-stage", fmt.Sprint(tt.stage), "-strict", "-pedantic", "-addr", addr, "-directory", servedDir(t), "-run", tt.run)
			assert.Equal(t, map[bool]int{true: 0, false: 1}[len(tt.warned) == 0], code)
		})
	}
}

// TestChunkedFramingFaults checks that a chunked answer whose end is not
// RFC 9112's, a trailer line that is no field line or a trailer with no
// empty line after it, fails the check, and says so with the section: a
// client cannot tell where such an answer ends.
func TestChunkedFramingFaults(t *testing.T) {
	tests := []struct {
		name, end, want string
	}{
		{"a trailer line without a colon", "garbage\r\n\r\n", `the trailer line "garbage\r\n" after the last chunk is not a field line`},
		{"no empty line after the trailer", "X-Checksum: 9\r\n", `reading the chunked trailer: timeout`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startAlt(t, altServer{chunked: true, chunkEnd: tt.end})
			code, rep := runTester(t, "-stage", "2", "-addr", addr, "-timeout", "1s", "-run", "^echo-path$")
			assert.Equal(t, 1, code)
			require.Len(t, rep.Stages, 1)
			var failure string
			for _, c := range rep.Stages[0].Checks {
				if c.Failure != nil {
					failure = c.Failure.Summary + " (" + c.Failure.Section + ")"
				}
			}
			assert.Contains(t, failure, tt.want)
			assert.Contains(t, failure, "RFC 9112 §7.1")
		})
	}
}

// TestInterimNoted checks that -v says when an interim answer was skipped.
func TestInterimNoted(t *testing.T) {
	addr := startAlt(t, altServer{earlyHints: true})
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"-stage", "2", "-addr", addr, "-run", "^root-200$", "-v"}, &stdout, &stderr)
	assert.Equal(t, 0, code, stderr.String())
	assert.Contains(t, stdout.String(), `note: skipped the interim response "HTTP/1.1 103 Early Hints" (RFC 9110 §15.2`)
}
