package main

// This file holds the request and its framing: the Request and Header
// types, the request line and the field lines, and how long the body is.
// Up to stage 5 the parser read them from a bufio.Reader over the
// connection; here it reads them where the loop already holds them, from
// an input over the loop's buffer (see incremental.go), and a line is a
// slice of that buffer rather than a copy.
// The rest of the parser is in target.go (the request-target's forms),
// chunked.go (the chunked transfer coding), host_expect.go (the Host and
// Expect fields) and errors.go (every way a request can be refused, with
// its status).

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxHeaderBytes is the largest header section the parser accepts: the
// request line and the field lines with their CRLFs, the empty line that
// ends them, and any empty lines before the request line. A larger one is
// answered with 431 (RFC 6585 §5). RFC 9112 §2.3 leaves the limit to the
// server; 8 KiB is a common choice and far more than real clients send.
const MaxHeaderBytes = 8 << 10

// MaxBodyBytes is the largest body the parser accepts, answered with 413
// (RFC 9110 §15.5.14) when a request announces or sends more. A body is
// read as it arrives and kept only when asked (see bodies.go), so the cap
// is what a server is willing to receive at all, and what the loop holds
// at most. It is 1 MiB, down from 8 MiB: no JSON body this API takes comes
// near it, and a client that announces more hears 413 before a byte of its
// body is read. The cap is the parser's, so file uploads share it.
const MaxBodyBytes = 1 << 20

// Field is one header field line: a name and its value, without the
// optional whitespace around the value (RFC 9112 §5.1).
type Field struct {
	Name  string
	Value string
}

// Header holds the fields of a message in the order they were received. It
// is a slice rather than a map so that order and repeated fields survive
// exactly as sent, which the Host, Content-Length and Transfer-Encoding
// checks depend on; a request has few fields, so a linear search is cheap.
// Lookups ignore case because field names are case-insensitive
// (RFC 9110 §5.1).
type Header []Field

// Get returns the value of the first field called name, or "" if there is
// none.
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every field called name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Add appends a field. It does not replace an existing one, because some
// fields legitimately repeat.
func (h *Header) Add(name, value string) {
	*h = append(*h, Field{Name: name, Value: value})
}

// Request is one parsed HTTP request. On the loop it is reused: once the
// request is answered, the next one is parsed into it (see input.request),
// so a handler must not keep req, or a slice of it such as Header or
// Params, after it returns; the strings in it it may keep, since a string
// never changes.
type Request struct {
	Method   string // "GET", "POST", ...; case-sensitive (RFC 9110 §9.1)
	Target   string // the request-target as sent, such as "/echo/abc?x=1"
	Path     string // Target up to the first "?", such as "/echo/abc"; not percent-decoded
	RawQuery string // Target after the first "?", such as "x=1"; not decoded
	Version  string // "HTTP/1.1" or "HTTP/1.0"
	Header   Header
	// Body is the content, chunked coding removed, once the loop has
	// taken it whole; nil until then, and when there is none. The loop
	// keeps it only for a handler that needs the body in memory: the JSON
	// routes' (see TakesJSON).
	Body []byte
	// Params are the path parameters of the route that matched, such as
	// id=42 for /users/:id, percent-decoded. The router fills them in
	// just before it calls the route's handler; the parser leaves them nil.
	Params Params
	// RemoteAddr is the address of the client, host:port, as the
	// connection reports it. The bytes of a request do not say who sent
	// them, so the serve loop sets it, after the parser; the rate limiter
	// counts requests by it. Tests that call a handler directly leave it "".
	RemoteAddr string

	contentLength int64     // the body length Content-Length announced, 0 without one
	chunked       bool      // the body uses the chunked transfer coding
	authority     string    // the host and port of an absolute-form target, "" otherwise
	body          io.Reader // the body the loop kept in a file, if any; see BodyReader

	replyStorage // the answer's storage; see reply
}

// ReadRequestHead reads the request line and the header fields up to the
// empty line that ends them, and checks the framing of the body (Host,
// Content-Length, Transfer-Encoding) without reading it. The body is left
// for later, so that the server can answer "Expect: 100-continue" in
// between, can refuse a body that is too large before the client sends
// it, and need never hold a body nobody wants: the loop takes it as it
// arrives (see bodies.go).
//
// It reads only as many bytes as the head has: what follows stays in in,
// for the body or for the next request. Running out of bytes is io.EOF or
// io.ErrUnexpectedEOF, as the end of a connection was for stage 5's
// parser; on the loop it means the rest has not arrived yet.
//
// The Request it fills is the input's spare (see input.request), which
// the loop gives back once it has answered it: a request on the loop
// costs no allocation for itself, its fields or its parameters.
func ReadRequestHead(in *input) (*Request, error) {
	budget := MaxHeaderBytes

	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before
	// the request line, which some clients send after a body.
	var line string
	for line == "" {
		l, n, err := readLine(in, budget, ErrHeaderTooLarge, ErrRequestLine)
		if err == io.EOF && budget == MaxHeaderBytes {
			return nil, io.EOF // no request at all: a clean end of input
		}
		if err == ErrHeaderTooLarge {
			err = requestLineTooLong(l)
		}
		if err != nil {
			return nil, fmt.Errorf("read request line: %w", unexpected(err))
		}
		budget -= n
		line = l
	}
	req := in.request()
	if err := parseRequestLine(req, line); err != nil {
		return nil, fmt.Errorf("parse request line: %w", err)
	}

	fields, err := readFields(in, budget, req.Header)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	req.Header = fields
	if err := req.checkHost(); err != nil {
		return nil, fmt.Errorf("check Host: %w", err)
	}
	if err := req.checkExpect(); err != nil {
		return nil, fmt.Errorf("check Expect: %w", err)
	}
	if err := req.parseFraming(); err != nil {
		return nil, fmt.Errorf("check body framing: %w", err)
	}
	in.spare = nil // the request is the caller's until it is recycled
	return req, nil
}

// KeepAlive reports whether the connection stays open after this request
// (RFC 9112 §9.3): an HTTP/1.1 connection persists unless the client sent
// "Connection: close", an HTTP/1.0 one closes unless the client sent
// "Connection: keep-alive" (RFC 9112 Appendix C.2.2).
func (r *Request) KeepAlive() bool {
	if r.Header.hasToken("Connection", "close") {
		return false
	}
	if r.Version == "HTTP/1.0" {
		return r.Header.hasToken("Connection", "keep-alive")
	}
	return true
}

// readLine reads one line and returns it without its CRLF, with the number
// of bytes it consumed. More than limit bytes without a line end is the
// error tooLong, returned with the bytes read so far, and a control
// character other than HTAB is the error invalid. Both are reported as soon as the offending byte arrives, rather
// than after waiting for a line end that may never come: a TLS handshake
// sent to this plain-text port, say, gets its 400 at once.
//
// Lines must end in CRLF. RFC 9112 §2.2 allows a recipient to accept a bare
// LF too; this parser does not, and answers 400 (ErrLineEnding), so that
// every line ends the same way for this server and for anything in front
// of it: disagreeing about where a line ends is how request smuggling
// starts, and strictness makes a learner's client bug visible at once. A CR
// not followed by LF is a control character like any other (RFC 9112 §2.2
// forbids a bare CR).
//
// It reads byte by byte from the loop's buffer, and the line it returns is
// a slice of that buffer, made a string by the loop's line cache: a copy
// only for a line the loop has not seen before (see lineCache).
func readLine(in *input, limit int, tooLong, invalid error) (string, int, error) {
	line := in.rest()[:0] // grows over the bytes read, which follow it
	for {
		c, err := in.ReadByte()
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return "", len(line), err
		}
		n := len(line) + 1
		if n > limit {
			return string(line), n, tooLong
		}
		afterCR := len(line) > 0 && line[len(line)-1] == '\r'
		switch {
		case c == '\n' && afterCR:
			return in.lines.get(line[:len(line)-1]), n, nil
		case c == '\n':
			return "", n, ErrLineEnding
		case afterCR, c < 0x20 && c != '\t' && c != '\r', c == 0x7f:
			return "", n, invalid
		}
		line = line[:n] // c is the byte after line, in the buffer
	}
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF, for reads in the middle
// of a request, where the end of input means the request is cut short.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseRequestLine parses "method SP request-target SP HTTP-version"
// (RFC 9112 §3). It splits on single spaces only: RFC 9112 §3 lets a server
// also split on runs of whitespace, but one rule is easier to get right.
// readLine has refused every other control character, but let HTAB
// through, which only field values may hold. It fills in req, an empty
// Request.
func parseRequestLine(req *Request, line string) error {
	if strings.Contains(line, "\t") {
		return ErrRequestLine
	}
	method, rest, ok1 := strings.Cut(line, " ")
	target, version, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || strings.Contains(version, " ") || !isToken(method) {
		return ErrRequestLine
	}
	version, err := parseVersion(version)
	if err != nil {
		return err
	}
	req.Method, req.Target, req.Version = method, target, version
	return req.parseTarget()
}

// requestLineTooLong names the part of a request line that outgrew the
// head's limit, from the bytes read before it did: RFC 9112 §3 asks for 501
// when the method is longer than any the server implements, and for 414
// when the target is longer than any URI it is willing to parse. Anything
// else that long is a header section too large (431).
func requestLineTooLong(partial string) error {
	method, rest, found := strings.Cut(partial, " ")
	switch {
	case !isToken(method):
		return ErrRequestLine
	case !found:
		return ErrMethodTooLong
	case !strings.Contains(rest, " "):
		return ErrURITooLong
	}
	return ErrHeaderTooLarge
}

// parseVersion accepts HTTP/1.0 and HTTP/1.1, and returns the version the
// request is served as. The version is "HTTP/" DIGIT "." DIGIT,
// case-sensitive (RFC 9112 §2.3): anything else is not a version at all
// (400). A later minor version of HTTP/1, such as HTTP/1.2, is served as
// HTTP/1.1, the highest this server speaks, since minor versions only add
// what an older recipient may ignore (RFC 9110 §2.5). Any other major
// version, HTTP/2.0 or HTTP/0.9, is answered 505.
func parseVersion(v string) (string, error) {
	if len(v) != len("HTTP/1.1") || v[:5] != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return "", ErrVersion
	}
	switch {
	case v == "HTTP/1.0":
		return v, nil
	case v[5] == '1':
		return "HTTP/1.1", nil
	}
	return "", ErrUnsupportedVersion
}

// readFields reads field lines up to the empty line that ends them, from a
// budget of that many bytes: the header section after the request line,
// and the trailer section after the last chunk of a chunked body, which
// has the same syntax (RFC 9112 §5, §7.1.2). A section that outgrows its
// budget is ErrHeaderTooLarge. The fields are appended to h, whose
// storage a recycled Request brings (see input.request).
func readFields(in *input, budget int, h Header) (Header, error) {
	for {
		line, n, err := readLine(in, budget, ErrHeaderTooLarge, ErrControlChar)
		if err != nil {
			return nil, unexpected(err)
		}
		budget -= n
		if line == "" {
			return h, nil // the empty line: the section is complete
		}
		f, err := parseFieldLine(line)
		if err != nil {
			return nil, err
		}
		h = append(h, f)
	}
}

// parseFieldLine parses "field-name ":" OWS field-value OWS" (RFC 9112 §5).
// The value may hold any byte readLine let through: visible ASCII, SP, HTAB
// and obs-text, the bytes from 0x80 up that RFC 9110 §5.5 still allows.
func parseFieldLine(line string) (Field, error) {
	if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
		return Field{}, ErrHeaderLine // obs-fold: a continuation line
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok || name == "" {
		return Field{}, ErrHeaderLine
	}
	if last := name[len(name)-1]; last == ' ' || last == '\t' {
		return Field{}, ErrSpaceBeforeColon
	}
	if !isToken(name) {
		return Field{}, ErrHeaderLine
	}
	return Field{Name: name, Value: strings.Trim(value, " \t")}, nil
}

// parseFraming decides how the body is delimited (RFC 9112 §6.3):
// Transfer-Encoding: chunked (see chunked.go), or Content-Length bytes, or
// no body at all. A request never reads to the end of the connection, since
// the client still needs the connection to read the answer.
func (r *Request) parseFraming() error {
	te := r.Header.Values("Transfer-Encoding")
	cl := r.Header.Values("Content-Length")
	switch {
	case len(te) > 0 && len(cl) > 0:
		return ErrLengthAndEncoding
	case len(te) > 0:
		return r.parseTransferEncoding(te)
	case len(cl) == 0:
		return nil // no body
	}
	n, err := parseContentLength(cl)
	if err != nil {
		return err
	}
	if n > MaxBodyBytes {
		return ErrBodyTooLarge // refused before a byte of it is read
	}
	r.contentLength = n
	return nil
}

// parseContentLength returns the length that every Content-Length value
// agrees on. Content-Length = 1*DIGIT (RFC 9110 §8.6), so a sign, spaces
// inside, or an empty value are invalid. RFC 9110 §8.6 lets a recipient
// accept the same value repeated, in several fields or as a list such as
// "42, 42"; this parser does, and refuses two different values.
func parseContentLength(values []string) (int64, error) {
	n := int64(-1)
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.Trim(s, " \t")
			if s == "" || strings.TrimLeft(s, "0123456789") != "" {
				return 0, ErrContentLength
			}
			m, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: %v", ErrContentLength, err) // overflow
			}
			if n >= 0 && m != n {
				return 0, ErrContentLength
			}
			n = m
		}
	}
	return n, nil
}

// splitList splits comma-separated list values (RFC 9110 §5.6.1) into
// their elements, trimmed, skipping the empty elements a recipient must
// accept.
func splitList(values []string) []string {
	var elems []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if e = strings.Trim(e, " \t"); e != "" {
				elems = append(elems, e)
			}
		}
	}
	return elems
}

// isToken reports whether s is a token: one or more tchar (RFC 9110 §5.6.2),
// the syntax of methods and field names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
