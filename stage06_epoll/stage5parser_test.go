package main

// Stage 5's parser, as the reference that stage 6's is checked against.
//
// Stage 6 parses requests where the loop holds them, from its buffer
// (input in incremental.go); stage 5 read them from a bufio.Reader over
// the connection. The functions below are stage 5's, byte for byte but for
// their names (stage5 in front, and nextChunk and ReadBody made functions),
// which is what lets the tests compare the two parsers on the same bytes:
// same request, same error, same bytes taken, at every cut point
// (FuzzIncremental, TestIncrementalEveryPrefix) and on any input
// (FuzzReadRequest). The rest of the parser, from parseRequestLine to
// parseFraming, is shared: it works on strings, and changed only in where
// the Request it fills comes from (see input.request).

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// stage5ReadRequest reads one whole request from br with stage 5's
// parser: the head, then the body into Body. It returns io.EOF if br ends
// before the request's first byte, io.ErrUnexpectedEOF if it ends in the
// middle, and a wrapped *StatusError if the request is invalid.
func stage5ReadRequest(br *bufio.Reader) (*Request, error) {
	req, err := stage5ReadRequestHead(br)
	if err != nil {
		return nil, err
	}
	if err := stage5ReadBody(req); err != nil {
		return nil, err
	}
	return req, nil
}

// stage5Input runs stage 5's parser over bytes in memory, and tells how
// many of them it took: what stage 6's loop did before it parsed from its
// own buffer.
type stage5Input struct {
	src bytes.Reader
	br  *bufio.Reader
}

func newStage5Input() *stage5Input {
	return &stage5Input{br: bufio.NewReaderSize(nil, 4096)}
}

// reset points the reader at in, from its start.
func (si *stage5Input) reset(in []byte) *bufio.Reader {
	si.src.Reset(in)
	si.br.Reset(&si.src)
	return si.br
}

// consumed returns how many bytes of the in of the last reset the parser
// has taken since: what it read from the bytes.Reader, minus what it holds
// unread in its buffer.
func (si *stage5Input) consumed() int {
	return int(si.src.Size()) - si.src.Len() - si.br.Buffered()
}

// stage5ReadRequestHead reads the request line and the header fields up to the
// empty line that ends them, and checks the framing of the body (Host,
// Content-Length, Transfer-Encoding) without reading it. The body is left
// for later, so that the server can answer "Expect: 100-continue" in
// between, can refuse a body that is too large before the client sends
// it, and need never hold a body nobody wants: the request reads it from
// br when asked (BodyReader, ReadBody, DiscardBody).
//
// It reads only as many bytes as the head has, however they arrive: what
// follows stays in br for the body or for the next request. That is why it
// takes the connection's long-lived *bufio.Reader, and never a fresh one.
func stage5ReadRequestHead(br *bufio.Reader) (*Request, error) {
	budget := MaxHeaderBytes

	// RFC 9112 §2.2: a server SHOULD ignore at least one empty line before
	// the request line, which some clients send after a body.
	var line string
	for line == "" {
		l, n, err := stage5ReadLine(br, budget, ErrHeaderTooLarge, ErrRequestLine)
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
	req := &Request{}
	if err := parseRequestLine(req, line); err != nil {
		return nil, fmt.Errorf("parse request line: %w", err)
	}

	fields, err := stage5ReadFields(br, budget)
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
	req.body = newStage5BodyReader(req, br)
	return req, nil
}

// stage5ReadLine reads one line and returns it without its CRLF, with the number
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
// It reads byte by byte from br's buffer, which costs no system call per
// byte, and does not depend on the size of br's buffer.
func stage5ReadLine(br *bufio.Reader, limit int, tooLong, invalid error) (string, int, error) {
	var line []byte
	for {
		c, err := br.ReadByte()
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
			return string(line[:len(line)-1]), n, nil
		case c == '\n':
			return "", n, ErrLineEnding
		case afterCR, c < 0x20 && c != '\t' && c != '\r', c == 0x7f:
			return "", n, invalid
		}
		line = append(line, c)
	}
}

// stage5ReadFields reads field lines up to the empty line that ends them, from a
// budget of that many bytes: the header section after the request line,
// and the trailer section after the last chunk of a chunked body, which
// has the same syntax (RFC 9112 §5, §7.1.2). A section that outgrows its
// budget is ErrHeaderTooLarge.
func stage5ReadFields(br *bufio.Reader, budget int) (Header, error) {
	var h Header
	for {
		line, n, err := stage5ReadLine(br, budget, ErrHeaderTooLarge, ErrControlChar)
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

// stage5NextChunk reads up to the data of the next chunk, and returns its size:
// the CRLF that ends the data before, then the size line, whose size is
// checked against MaxBodyBytes before a byte of the data is read. After
// the last chunk it reads the trailer section and returns io.EOF.
func stage5NextChunk(s *chunkState, br *bufio.Reader) (int64, error) {
	if s.started {
		if err := stage5ReadCRLF(br); err != nil {
			return 0, err
		}
	}
	s.started = true
	line, n, err := stage5ReadLine(br, maxChunkLineBytes, ErrChunk, ErrChunk)
	if err != nil {
		return 0, unexpected(err)
	}
	s.counted += int64(n)
	size, err := parseChunkSize(line)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		if _, err := stage5ReadFields(br, MaxHeaderBytes); err != nil {
			return 0, fmt.Errorf("read trailer: %w", err)
		}
		return 0, io.EOF
	}
	if size > MaxBodyBytes-s.counted {
		return 0, ErrBodyTooLarge
	}
	s.counted += size
	return size, nil
}

// stage5ReadCRLF consumes the CRLF that ends a chunk's data.
func stage5ReadCRLF(br *bufio.Reader) error {
	for _, want := range []byte("\r\n") {
		c, err := br.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if c != want {
			return ErrChunk
		}
	}
	return nil
}

// stage5BodyReader reads one request's body from the connection, exactly the
// bytes its framing announces and no more, with the chunked coding
// removed. It returns io.EOF at the body's end; a body cut short is
// io.ErrUnexpectedEOF, and a body that breaks a rule of its framing or
// outgrows MaxBodyBytes a *StatusError. The first error sticks: every
// later Read returns it again, so that the serve loop, discarding what a
// handler left, learns of a fault the handler met.
type stage5BodyReader struct {
	br      *bufio.Reader
	left    int64 // bytes still to come: of the body, or of the current chunk's data
	chunked bool
	chunks  chunkState // how far a chunked body has got
	err     error      // the first error or io.EOF, returned by every later Read
}

// newStage5BodyReader returns the reader of r's body, from br.
func newStage5BodyReader(r *Request, br *bufio.Reader) *stage5BodyReader {
	b := &stage5BodyReader{br: br, left: r.contentLength, chunked: r.chunked}
	if !b.chunked && b.left == 0 {
		b.err = io.EOF // no body at all
	}
	return b
}

// Read reads the next bytes of the body: never more than its framing has
// left, so the next request stays in br.
func (b *stage5BodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.chunked && b.left == 0 {
		if b.left, b.err = stage5NextChunk(&b.chunks, b.br); b.err != nil {
			b.err = wrapBody(b.err)
			return 0, b.err
		}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.br.Read(p)
	b.left -= int64(n)
	switch {
	case err != nil:
		b.err = wrapBody(unexpected(err))
	case !b.chunked && b.left == 0:
		b.err = io.EOF // the last byte: the next Read ends the body
	}
	if err != nil {
		return n, b.err
	}
	return n, nil
}

// stage5ReadBody reads what is left of the body into r.Body, whole, for a
// handler that needs all of it at once. MaxBodyBytes bounds what it holds.
// The buffer grows as bytes arrive rather than being allocated at
// Content-Length, so a client that announces a large body and sends
// nothing costs no memory.
func stage5ReadBody(r *Request) error {
	var buf bytes.Buffer
	buf.Grow(int(min(r.contentLength, 64<<10)))
	if _, err := buf.ReadFrom(r.BodyReader()); err != nil {
		return err
	}
	r.body = nil // BodyReader reads Body from now on
	r.Body = nil
	if buf.Len() > 0 {
		r.Body = buf.Bytes()
	}
	return nil
}
