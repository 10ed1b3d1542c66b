package main

// Reading a response whose body is a stream: the head as any other, then
// the body piece by piece as it arrives, for as long as the check wants,
// and never necessarily to its end, since an event stream has none. The
// chunked framing is verified on the way (RFC 9112 §7.1), and the bytes
// are read as text/event-stream, as a browser's EventSource reads them
// (the WHATWG HTML standard, §9.2.5 and §9.2.6).

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The bounds on what a stream may make the tester hold, whatever the
// server sends: one line of an event, and what one wait for an event may
// read (comments included). No event of the card comes near either.
const (
	maxEventLine  = 64 << 10
	maxEventBytes = 1 << 20
)

// framing is how a streamed body's end is marked (RFC 9112 §6.3).
type framing int

const (
	byChunks framing = iota // Transfer-Encoding: chunked
	byLength                // Content-Length
	byClose                 // nothing: the close ends it
)

// stream is an open streamed response: its head, read, and its body, read
// as the check asks for it. Each wait for the next event has one read's
// patience (see patience).
type stream struct {
	c       *conn
	req     []byte
	head    *response
	framing framing
	left    int64  // bytes left in the current chunk, or in a body of known length
	sizeRaw []byte // the current chunk's size line, for the report
	size    int64  // and the size it says
	ended   bool   // the body's end came: its last chunk, its length, or the close
	crlfDue bool   // the current chunk's data is read, and the CRLF after it not yet
	gzipped bool   // Content-Encoding: gzip, or x-gzip
	p       *patience

	events  *bufio.Reader // the body as the event parser reads it, gunzipped if need be
	lastCR  bool          // the last line ended in CR, so a LF first is its end
	begun   bool          // a line has been read: a byte order mark is only first
	lastID  string        // the last event ID buffer (WHATWG §9.2.6)
	pending []byte        // the lines of the event being read, for the report
}

// newStream makes a stream of a response whose head has been read, and
// checks how its body is framed: chunked is the card's, the close or a
// length are allowed by RFC 9112 §6.3 but end the stream (warnings), and
// anything else is a failure.
func (t *T) newStream(c *conn, req []byte, head *response) (*stream, error) {
	s := &stream{c: c, req: req, head: head, p: c.patience()}
	te, cl := head.header("Transfer-Encoding"), head.header("Content-Length")
	switch {
	case len(te) > 0 && len(cl) > 0:
		return nil, s.fail("the stream has both Transfer-Encoding and Content-Length", "RFC 9112 §6.2",
			"a response in chunks must not say Content-Length: send Transfer-Encoding: chunked alone")
	case len(te) == 1 && strings.EqualFold(te[0], "chunked"):
		s.framing = byChunks
	case len(te) > 0:
		return nil, s.fail(fmt.Sprintf("Transfer-Encoding: %s, but the request did not offer any transfer coding but chunked (no TE header)", strings.Join(te, ", ")), "RFC 9112 §6.1",
			"frame the stream with Transfer-Encoding: chunked, and nothing else")
	case len(cl) > 0:
		if err := t.adviseAbout(req, head, warning{Summary: "the event stream has a Content-Length: it ends after " + cl[0] + " bytes", Section: "stages/05-json.md#server-sent-events",
			Why: "a length ends the stream, and the client reconnects; the card sends an unending stream in chunks"}); err != nil {
			return nil, err
		}
		s.framing, s.left = byLength, parseLength(cl[0])
	default:
		if err := t.adviseAbout(req, head, warning{Summary: "the event stream has neither Transfer-Encoding nor Content-Length: it runs to the close", Section: "stages/05-json.md#server-sent-events",
			Why: "a body that runs to the close is correct HTTP (RFC 9112 §6.3), but the connection ends with it; the card sends HTTP/1.1 clients chunks"}); err != nil {
			return nil, err
		}
		s.framing = byClose
	}
	// A recipient treats x-gzip as gzip (RFC 9110 §8.4.1.3).
	ce := head.get("Content-Encoding")
	s.gzipped = strings.EqualFold(ce, "gzip") || strings.EqualFold(ce, "x-gzip")
	return s, nil
}

// parseLength is a Content-Length's value, 0 when it is not a number.
func parseLength(v string) int64 {
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil || n < 0 {
		return 0
	}
	return n
}

// fail is a failure of the stream, with the request and what came back.
func (s *stream) fail(summary, section, hint string) *failure {
	return &failure{Summary: summary, Section: section, Hint: hint, Sent: s.req, Got: s.received()}
}

// received is what the stream brought so far, for a failure: the head,
// then what the connection kept of the body.
func (s *stream) received() []byte {
	return s.c.got
}

// Read reads the next bytes of the body, without its framing, as they
// arrive: at most one chunk's worth at a time. The CRLF that ends a chunk
// is checked before the next chunk is read, not as the data is returned:
// nothing in RFC 9112 says when it must come, and a server may send it in
// front of the next chunk's size, so the data must not wait for it.
func (s *stream) Read(p []byte) (int, error) {
	if s.framing == byChunks && s.left == 0 && !s.ended {
		if err := s.chunkEnd(); err != nil {
			return 0, err
		}
		if err := s.nextChunk(); err != nil {
			return 0, err
		}
	}
	if s.ended || (s.framing == byLength && s.left == 0) {
		s.ended = true
		return 0, io.EOF
	}
	if len(s.c.in) == 0 && !s.c.fill(s.p.deadline()) {
		if s.framing == byClose && (s.c.eof || (s.c.err != nil && isReset(s.c.err))) {
			s.ended = true
			return 0, io.EOF
		}
		return 0, s.cutShort()
	}
	n := min(len(p), len(s.c.in))
	if s.framing != byClose {
		n = int(min(int64(n), s.left))
	}
	copy(p, s.c.take(n))
	s.left -= int64(n)
	s.crlfDue = s.framing == byChunks && s.left == 0
	return n, nil
}

// chunkEnd reads the CRLF after a chunk's data, when it is due.
func (s *stream) chunkEnd() error {
	if !s.crlfDue {
		return nil
	}
	end, err := s.c.readNWithin(2, s.p)
	if err != nil && (errors.Is(err, errTimeout) || len(end) == 0) {
		return s.cutShort()
	}
	if err != nil || string(end) != "\r\n" {
		line := strings.TrimSuffix(string(s.sizeRaw), "\r\n")
		return s.fail(fmt.Sprintf("the chunk whose size line was %q, %d bytes in hexadecimal, is not followed by \\r\\n: its data is longer or shorter than its size", line, s.size), "RFC 9112 §7.1",
			"write each chunk as its size in hexadecimal (26 bytes are 1a), \\r\\n, exactly that many bytes, and \\r\\n")
	}
	s.crlfDue = false
	return nil
}

// nextChunk reads a chunk's size line, or, at the last chunk, the trailer
// section and the empty line that end the body.
func (s *stream) nextChunk() error {
	line, err := s.c.readUntilWithin([]byte("\r\n"), 1024, s.p)
	if err != nil {
		if len(line) > 0 && !errors.Is(err, errTimeout) {
			return s.fail("a chunk's size line does not end in \\r\\n within 1024 bytes", "RFC 9112 §7.1", "end each chunk's size line with \\r\\n")
		}
		return s.cutShort()
	}
	size, err := parseChunkSize(line)
	if err != nil {
		return s.fail(err.Error(), "RFC 9112 §7.1", "write each chunk's size in hexadecimal digits, nothing else before \\r\\n (a ; and an extension at most)")
	}
	s.sizeRaw, s.size = line, size
	if size == 0 {
		if err := s.c.readTrailer(&response{}, s.p); err != nil {
			return s.fail(err.Error(), "RFC 9112 §7.1.2", "end a chunked body with 0\\r\\n, any trailer fields, and an empty line \\r\\n")
		}
		s.ended = true
	}
	s.left = size
	return nil
}

// cutShort explains a read that came up short: the stream closed in the
// middle of its framing, or nothing more arrived in time.
func (s *stream) cutShort() error {
	err := s.c.why(s.p)
	if errors.Is(err, errTimeout) {
		return err
	}
	if s.framing == byChunks {
		return &failure{Summary: "the connection closed in the middle of the stream, without its last chunk", Section: "RFC 9112 §7.1", cause: err, Sent: s.req, Got: s.received(),
			Hint: "keep the stream open for as long as the client listens, and end it only with a chunk of size 0 (0\\r\\n\\r\\n)"}
	}
	return err
}

// sseEvent is one event as an EventSource dispatches it (WHATWG §9.2.6).
type sseEvent struct {
	typ   string // "message" when the event had no event: field
	data  string // its data: lines, joined by \n
	id    string // the last event ID after it
	hasID bool   // the event had an id: field of its own
	raw   []byte // its lines as sent, for the report
}

// next reads the next event, skipping comments and blocks without data,
// as an EventSource does. It returns io.EOF when the stream ended first.
func (s *stream) next() (*sseEvent, error) {
	s.p = s.c.patience()
	if s.events == nil {
		var body io.Reader = s
		if s.gzipped {
			zr, err := newGzipMemberReader(s)
			if err != nil {
				return nil, s.gunzipFailure(err)
			}
			body = zr
		}
		s.events = bufio.NewReader(body)
	}
	ev := &sseEvent{typ: "message"}
	var data strings.Builder
	s.pending = s.pending[:0]
	for read := 0; read < maxEventBytes; {
		line, err := s.line()
		if err != nil {
			return nil, s.gunzipFailure(err)
		}
		read += len(line) + 1
		switch name, value := splitField(line); {
		case len(line) == 0 && data.Len() == 0:
			ev = &sseEvent{typ: "message"} // nothing to dispatch
			s.pending = s.pending[:0]
		case len(line) == 0:
			ev.data, ev.id, ev.raw = strings.TrimSuffix(data.String(), "\n"), s.lastID, bytes.Clone(s.pending)
			return ev, nil
		case line[0] == ':': // a comment
		case name == "event":
			ev.typ = value
		case name == "data":
			data.WriteString(value + "\n")
		case name == "id" && !strings.ContainsRune(value, 0):
			s.lastID, ev.hasID = value, true
		}
	}
	return nil, s.fail(fmt.Sprintf("%d bytes of the stream came without an event in them", maxEventBytes), "WHATWG HTML §9.2.5",
		"end each event with an empty line, and send comments only now and then, as a heartbeat")
}

// gunzipFailure explains an error of the gzip stream as such; any other
// error is returned as it is.
func (s *stream) gunzipFailure(err error) error {
	var f *failure
	var re *readError
	if !s.gzipped || errors.As(err, &f) || errors.As(err, &re) || err == io.EOF {
		return err
	}
	return s.fail("the stream says Content-Encoding: gzip, but does not gunzip: "+err.Error(), "RFC 9110 §8.4.1.3",
		"compress the whole stream as one gzip stream, flushing after each event, and end it with gzip's trailer")
}

// line reads one line of the event stream, without its end: lines end in
// CRLF, LF or CR (WHATWG §9.2.5). A UTF-8 byte order mark first is
// dropped.
func (s *stream) line() (string, error) {
	var b []byte
	for {
		c, err := s.events.ReadByte()
		if err != nil {
			return "", err
		}
		s.pending = append(s.pending, c)
		switch {
		case c == '\n' && s.lastCR && len(b) == 0:
			s.lastCR = false // the LF of a CRLF
			continue
		case c == '\n' || c == '\r':
			s.lastCR = c == '\r'
			line := string(b)
			if !s.begun {
				s.begun, line = true, strings.TrimPrefix(line, "\ufeff")
			}
			return line, nil
		}
		s.lastCR = false
		if b = append(b, c); len(b) > maxEventLine {
			return "", s.fail(fmt.Sprintf("a line of the event stream runs past %d bytes", maxEventLine), "WHATWG HTML §9.2.5",
				"end each line of the stream with \\n, and each event with an empty line")
		}
	}
}

// splitField splits a line into a field's name and value: the value after
// the first colon, without one space after it; a line without a colon is
// a name with an empty value (WHATWG §9.2.6).
func splitField(line string) (name, value string) {
	name, value, _ = strings.Cut(line, ":")
	return name, strings.TrimPrefix(value, " ")
}
