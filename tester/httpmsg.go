package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
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

	closeDelimited bool // no Content-Length or chunked coding: the close ended the body
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

// reasonPhrases are the reason phrases the cards use: the ones RFC 9110 §15
// lists. A client ignores the phrase (RFC 9112 §4), so another one is only
// a warning here, though CodeCrafters compares it exactly.
var reasonPhrases = map[int]string{
	100: "Continue",
	200: "OK", 201: "Created", 204: "No Content",
	301: "Moved Permanently", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
	408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
	429: "Too Many Requests", 431: "Request Header Fields Too Large",
	500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
	505: "HTTP Version Not Supported",
}

// errNoResponse marks a read that got nothing at all back, so checks can
// tell "no answer" from "a wrong answer".
var errNoResponse = errors.New("no response")

// readResponse reads one response. A response to HEAD, or with status 1xx,
// 204 or 304, has no body whatever its headers say (RFC 9112 §6.3). When it
// fails, r.raw holds every byte of the response the tester read, for the
// report: what it consumed, then what arrived and it did not. The whole
// response gets one read's patience.
func (c *conn) readResponse(toHead bool) (*response, error) {
	p := c.patience()
	r, err := c.readHead(p)
	if err == nil && !toHead && r.code/100 != 1 && r.code != 204 && r.code != 304 {
		err = c.readBody(r, p)
	}
	if err != nil && r != nil {
		r.raw = append(r.raw, c.in...)
	}
	return r, err
}

// bodyLimit is how much of a body the tester reads when the check expects
// one of c.expected bytes: four times that, plus a mebibyte for the answers
// a check does not compare byte for byte, such as an error's or a gzip
// body. No correct answer to the tester's requests comes near it; a larger
// one fails without being read.
func (c *conn) bodyLimit() int { return 4*c.expected + 1<<20 }

// readHead reads and parses the status line and the header fields, up to
// the blank line that ends them (RFC 9112 §2.1).
func (c *conn) readHead(p *patience) (*response, error) {
	head, err := c.readUntilWithin([]byte("\r\n\r\n"), 64*1024, p)
	switch {
	case err != nil && len(head) == 0:
		return nil, &failure{Summary: errNoResponse.Error() + ": " + err.Error(), cause: errors.Join(errNoResponse, err), Hint: noResponseHint(err)}
	case err != nil && bytes.Contains(head, []byte("\n\n")):
		return &response{}, &failure{Summary: "the response's lines end in a bare \\n: HTTP requires \\r\\n after every line, and \\r\\n\\r\\n after the headers",
			Section: "RFC 9112 §2.1", Hint: `end every line of the status line and headers with "\r\n", and the headers with an empty line`}
	case err != nil:
		return &response{}, &failure{Summary: fmt.Sprintf("incomplete response head (no blank line \\r\\n\\r\\n after the headers): %v", err), cause: err,
			Section: "RFC 9112 §2.1", Hint: `after the last header line, send an empty line ("\r\n") before the body`}
	}
	r := &response{raw: head}
	lines := strings.Split(strings.TrimSuffix(string(head), "\r\n\r\n"), "\r\n")
	if err := r.parseStatusLine(lines[0]); err != nil {
		return r, err
	}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.TrimSpace(name) != name {
			return r, &failure{Summary: fmt.Sprintf("malformed header line %s: expected \"Name: value\"", strconv.Quote(line)),
				Section: "RFC 9112 §5", Hint: "write each header as its name, a colon, optional spaces and the value, with no space before the colon"}
		}
		r.headers = append(r.headers, field{name, strings.Trim(value, " \t")})
	}
	return r, nil
}

// noResponseHint says what to look at when nothing came back.
func noResponseHint(err error) string {
	if errors.Is(err, errTimeout) {
		return "the server said nothing: it may still be reading, waiting for more of a request that is complete; run the command above by hand and watch the server's output"
	}
	return "the server closed the connection without a word: look at its output above for an error, and answer every request before closing"
}

// readBody reads the body as the headers frame it (RFC 9112 §6.3): chunked
// coding, Content-Length, or else every byte up to the close.
func (c *conn) readBody(r *response, p *patience) error {
	te, cl := r.get("Transfer-Encoding"), r.header("Content-Length")
	switch {
	case strings.EqualFold(te, "chunked"):
		if err := c.readChunked(r, p); err != nil {
			return &failure{Summary: err.Error(), Section: "RFC 9112 §7.1", cause: err,
				Hint: "each chunk is its size in hex, \\r\\n, the data, \\r\\n; a 0-size chunk and an empty line end the body"}
		}
		return nil
	case len(cl) > 1:
		return &failure{Summary: fmt.Sprintf("the response has %d Content-Length headers; send exactly one", len(cl)), Section: "RFC 9112 §6.3",
			Hint: "set Content-Length once, when the body is complete"}
	case len(cl) == 1:
		n, err := strconv.Atoi(cl[0])
		if err != nil || n < 0 {
			return &failure{Summary: fmt.Sprintf("Content-Length %q is not a number of bytes", cl[0]), Section: "RFC 9110 §8.6",
				Hint: "Content-Length is the body's length in bytes, in decimal digits"}
		}
		if limit := c.bodyLimit(); n > limit {
			return &failure{Summary: fmt.Sprintf("the headers promise a %d-byte body (Content-Length: %d), more than the %d bytes the tester reads of an answer to this request: it stopped without reading the body", n, n, limit),
				Hint: "Content-Length must count exactly the bytes that follow the blank line: the length of the body you write, in bytes"}
		}
		body, err := c.readNWithin(n, p)
		if err != nil {
			return &failure{Summary: fmt.Sprintf("the headers promise a %d-byte body (Content-Length: %d) but %v", n, n, err), cause: err,
				Hint: "Content-Length must count exactly the bytes that follow the blank line: write the whole body, and count it in bytes, not characters"}
		}
		r.raw = append(r.raw, body...)
		r.body = body
		return nil
	}
	return c.readToClose(r, p)
}

// readToClose reads a body without a length: every byte up to the close
// (RFC 9112 §6.3, last rule), a correct answer provided the close comes.
// It reads no more than bodyLimit.
func (c *conn) readToClose(r *response, p *patience) error {
	r.closeDelimited = true
	limit := c.bodyLimit()
	for len(c.in) <= limit && c.fill(p.deadline()) {
	}
	r.body = c.take(min(len(c.in), limit))
	r.raw = append(r.raw, r.body...)
	switch {
	case len(c.in) > 0:
		return &failure{Summary: fmt.Sprintf("the response has no Content-Length header, so its body runs to the close, and it passed the %d bytes the tester reads of an answer to this request", limit),
			Section: "RFC 9112 §6.3",
			Hint:    "send Content-Length with every response (Content-Length: 0 when there is no body), and only the body it counts"}
	case c.eof || (c.err != nil && isReset(c.err)):
		return nil
	case p.atEnd:
		return &failure{Summary: fmt.Sprintf("the response has no Content-Length header, so its body runs to the close, and after %v the server was still sending it", p.end.Sub(p.began).Round(100*time.Millisecond)),
			Section: "RFC 9112 §6.3", cause: errStillOpen,
			Hint: "send Content-Length with every response (Content-Length: 0 when there is no body), or close the connection after the body"}
	}
	return &failure{
		Summary: fmt.Sprintf("the response has no Content-Length header, so the client cannot tell where its body ends until the connection closes, and it did not close within %v",
			p.idle.Round(100*time.Millisecond)),
		Section: "RFC 9112 §6.3", cause: errStillOpen,
		Hint: "send Content-Length with every response (Content-Length: 0 when there is no body), or close the connection after the body",
	}
}

// parseStatusLine checks "HTTP/1.1 SP 3DIGIT SP reason" (RFC 9112 §4).
func (r *response) parseStatusLine(line string) error {
	version, rest, ok1 := strings.Cut(line, " ")
	code, reason, ok2 := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if !ok1 || !ok2 || len(code) != 3 || err != nil || !strings.HasPrefix(version, "HTTP/") {
		return &failure{Summary: fmt.Sprintf("malformed status line %s: expected \"HTTP/1.1 200 OK\"", strconv.Quote(line)), Section: "RFC 9112 §4",
			Hint: "a response starts with a status line: the version, a space, a three-digit code, a space and a reason phrase, as in HTTP/1.1 200 OK\\r\\n"}
	}
	r.version, r.code, r.reason = version, n, reason
	return nil
}

// readChunked decodes a chunked body (RFC 9112 §7.1). The chunks, their
// framing counted, may come to bodyLimit bytes; the trailer to as much as
// a head.
func (c *conn) readChunked(r *response, p *patience) error {
	limit := c.bodyLimit()
	for wire := 0; ; {
		line, err := c.readUntilWithin([]byte("\r\n"), 1024, p)
		if err != nil {
			return fmt.Errorf("reading a chunk size: %w", err)
		}
		r.raw = append(r.raw, line...)
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			return c.readTrailer(r, p)
		}
		wire += len(line) + int(size) + 2
		if wire > limit {
			return fmt.Errorf("a chunk of %d bytes takes the body past the %d bytes the tester reads of an answer to this request", size, limit)
		}
		data, err := c.readNWithin(int(size)+2, p)
		if err != nil {
			return fmt.Errorf("reading a %d-byte chunk: %w", size, err)
		}
		r.raw = append(r.raw, data...)
		if !bytes.HasSuffix(data, []byte("\r\n")) {
			return errors.New("a chunk's data is not followed by \\r\\n")
		}
		r.body = append(r.body, data[:size]...)
	}
}

// maxChunkSize bounds a chunk's size line: 2^31, far past any chunk the
// tester reads (bodyLimit), and short of what an int holds anywhere.
const maxChunkSize = 1 << 31

// parseChunkSize parses a chunk's size line, CRLF included: the size in
// hexadecimal digits, then nothing, or a chunk extension after ";",
// which a recipient ignores (RFC 9112 §7.1, §7.1.1). A sign, a "0x" or a
// space before the digits make it no size.
func parseChunkSize(line []byte) (int64, error) {
	text := strings.TrimSuffix(string(line), "\r\n")
	digits := len(text) - len(strings.TrimLeft(text, "0123456789abcdefABCDEF"))
	// Whitespace may come before an extension's ";" (BWS, which a recipient
	// accepts, RFC 9110 §5.6.3), and nowhere else.
	ext := strings.TrimLeft(text[digits:], " \t")
	if digits == 0 || (ext == "" && len(text) > digits) || (ext != "" && ext[0] != ';') {
		return 0, fmt.Errorf("bad chunk size line %s: a chunk size is hexadecimal digits, then \\r\\n or a ;extension", strconv.Quote(string(line)))
	}
	size, err := strconv.ParseInt(text[:digits], 16, 64)
	if err != nil || size > maxChunkSize {
		return 0, fmt.Errorf("bad chunk size line %s: the size is over %d bytes", strconv.Quote(string(line)), maxChunkSize)
	}
	return size, nil
}

// readTrailer reads the trailer fields after the last chunk, each a field
// line as in a head (RFC 9112 §7.1.2), then the final CRLF.
func (c *conn) readTrailer(r *response, p *patience) error {
	for size := 0; ; {
		line, err := c.readUntilWithin([]byte("\r\n"), 8192, p)
		if err != nil {
			return fmt.Errorf("reading the chunked trailer: %w", err)
		}
		r.raw = append(r.raw, line...)
		if string(line) == "\r\n" {
			return nil
		}
		if name, _, ok := strings.Cut(string(line), ":"); !ok || name == "" || strings.TrimSpace(name) != name {
			return fmt.Errorf("the trailer line %s after the last chunk is not a field line \"Name: value\", nor the empty line that ends the body", strconv.Quote(string(line)))
		}
		if size += len(line); size > 64*1024 {
			return errors.New("the chunked trailer runs past 65536 bytes without its final empty line")
		}
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
