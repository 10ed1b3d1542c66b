package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// response is one HTTP response as it came off the wire. raw keeps its
// exact bytes for the failure report; the other fields are parsed from it.
type response struct {
	raw     []byte
	version string
	code    int
	reason  string
	headers []field
	body    []byte
}

// field is one header field, name as sent.
type field struct{ name, value string }

// header returns the values of the named field, the name compared without
// regard to case (RFC 9110 §5.1).
func (r *response) header(name string) []string {
	var vals []string
	for _, f := range r.headers {
		if strings.EqualFold(f.name, name) {
			vals = append(vals, f.value)
		}
	}
	return vals
}

// get returns the single value of a field, or "" if it is absent.
func (r *response) get(name string) string {
	if v := r.header(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// statusLine is the status line without its CRLF, as the learner sent it.
func (r *response) statusLine() string {
	line, _, _ := bytes.Cut(r.raw, []byte("\r\n"))
	return string(line)
}

// reasonPhrases are the reason phrases the tester expects: the ones
// RFC 9110 §15 lists, which CodeCrafters also checks exactly.
var reasonPhrases = map[int]string{
	100: "Continue",
	200: "OK", 201: "Created", 204: "No Content",
	301: "Moved Permanently", 308: "Permanent Redirect",
	400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
	408: "Request Timeout", 413: "Content Too Large", 415: "Unsupported Media Type",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
	505: "HTTP Version Not Supported",
}

// errNoResponse marks a read that got nothing at all back, so checks can
// tell "no answer" from "a wrong answer".
var errNoResponse = errors.New("no response")

// readResponse reads one response. A response to HEAD, or with status 1xx,
// 204 or 304, has no body whatever its headers say (RFC 9112 §6.3).
func (c *conn) readResponse(toHead bool) (*response, error) {
	start := c.pos
	head, err := c.readUntil([]byte("\r\n\r\n"), 64*1024)
	if err != nil {
		if len(head) == 0 && c.pos == start {
			return nil, fmt.Errorf("%w: %v", errNoResponse, err)
		}
		if bytes.Contains(head, []byte("\n\n")) {
			return &response{raw: head}, errors.New("the response's lines end in a bare \\n: HTTP requires \\r\\n after every line, and \\r\\n\\r\\n after the headers")
		}
		return &response{raw: head}, fmt.Errorf("incomplete response head (no blank line \\r\\n\\r\\n after the headers): %v", err)
	}
	r := &response{raw: head}
	lines := strings.Split(strings.TrimSuffix(string(head), "\r\n\r\n"), "\r\n")
	if err := r.parseStatusLine(lines[0]); err != nil {
		return r, err
	}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.TrimSpace(name) != name {
			return r, fmt.Errorf("malformed header line %s: expected \"Name: value\"", strconv.Quote(line))
		}
		r.headers = append(r.headers, field{name, strings.Trim(value, " \t")})
	}

	if toHead || r.code/100 == 1 || r.code == 204 || r.code == 304 {
		return r, nil
	}
	switch te, cl := r.get("Transfer-Encoding"), r.header("Content-Length"); {
	case strings.EqualFold(te, "chunked"):
		return r, c.readChunked(r)
	case len(cl) > 1:
		return r, fmt.Errorf("the response has %d Content-Length headers; send exactly one", len(cl))
	case len(cl) == 1:
		n, err := strconv.Atoi(cl[0])
		if err != nil || n < 0 {
			return r, fmt.Errorf("Content-Length %q is not a number of bytes", cl[0])
		}
		body, err := c.readN(n)
		r.raw = append(r.raw, body...)
		r.body = body
		if err != nil {
			return r, fmt.Errorf("the headers promise a %d-byte body (Content-Length: %d) but %v", n, n, err)
		}
	case strings.EqualFold(r.get("Connection"), "close"):
		// Without a length, a body ends when the server closes (RFC 9112 §6.3).
		err := c.expectClosed(c.t.timeout)
		r.body = c.got[c.pos:]
		r.raw = append(r.raw, r.body...)
		c.pos = len(c.got)
		if err != nil {
			return r, errors.New("the response has no Content-Length, so its body ends when the connection closes, but it did not close")
		}
	default:
		return r, errors.New("the response has no Content-Length header, so the client cannot tell where its body ends; send Content-Length: 0 when there is no body")
	}
	return r, nil
}

// parseStatusLine checks "HTTP/1.1 SP 3DIGIT SP reason" (RFC 9112 §4).
func (r *response) parseStatusLine(line string) error {
	version, rest, ok1 := strings.Cut(line, " ")
	code, reason, ok2 := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if !ok1 || !ok2 || len(code) != 3 || err != nil || !strings.HasPrefix(version, "HTTP/") {
		return fmt.Errorf("malformed status line %s: expected \"HTTP/1.1 200 OK\"", strconv.Quote(line))
	}
	r.version, r.code, r.reason = version, n, reason
	return nil
}

// readChunked decodes a chunked body (RFC 9112 §7.1).
func (c *conn) readChunked(r *response) error {
	for {
		line, err := c.readUntil([]byte("\r\n"), 1024)
		r.raw = append(r.raw, line...)
		if err != nil {
			return fmt.Errorf("reading a chunk size: %v", err)
		}
		sizeText, _, _ := strings.Cut(strings.TrimSuffix(string(line), "\r\n"), ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 32)
		if err != nil || size < 0 {
			return fmt.Errorf("bad chunk size line %s", strconv.Quote(string(line)))
		}
		if size == 0 {
			for { // trailer fields, then the final CRLF
				line, err := c.readUntil([]byte("\r\n"), 8192)
				r.raw = append(r.raw, line...)
				if err != nil {
					return fmt.Errorf("reading the chunked trailer: %v", err)
				}
				if string(line) == "\r\n" {
					return nil
				}
			}
		}
		data, err := c.readN(int(size) + 2)
		r.raw = append(r.raw, data...)
		if err != nil {
			return fmt.Errorf("reading a %d-byte chunk: %v", size, err)
		}
		if !bytes.HasSuffix(data, []byte("\r\n")) {
			return errors.New("a chunk's data is not followed by \\r\\n")
		}
		r.body = append(r.body, data[:size]...)
	}
}

// request builds a request in wire form: the request line, Host first as
// curl sends it, the given header lines, a blank line, and the body.
func request(method, target string, headers []string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: localhost:%s\r\n", method, target, codecraftersPort)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}
