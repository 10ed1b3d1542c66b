package main

// The body of a request, read as it arrives. ReadRequestHead decides how
// long the body is (parseFraming) and hands the request a bodyReader over
// the connection's reader, positioned at the body's first byte. From
// there a body can go three ways: a handler reads it as it arrives
// (BodyReader), the server reads it whole into memory (ReadBody), or the
// serve loop reads and drops it (DiscardBody). None of them holds more of
// the body than one read brings unless asked to, so a client sending
// megabytes to a route that has no use for them costs a buffer, not the
// megabytes.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// bodyReader reads one request's body from the connection, exactly the
// bytes its framing announces and no more, with the chunked coding
// removed. It returns io.EOF at the body's end; a body cut short is
// io.ErrUnexpectedEOF, and a body that breaks a rule of its framing or
// outgrows MaxBodyBytes a *StatusError. The first error sticks: every
// later Read returns it again, so that the serve loop, discarding what a
// handler left, learns of a fault the handler met.
type bodyReader struct {
	br      *bufio.Reader
	left    int64 // bytes still to come: of the body, or of the current chunk's data
	chunked bool
	chunks  chunkState // how far a chunked body has got
	err     error      // the first error or io.EOF, returned by every later Read
}

// newBodyReader returns the reader of r's body, from br.
func newBodyReader(r *Request, br *bufio.Reader) *bodyReader {
	b := &bodyReader{br: br, left: r.contentLength, chunked: r.chunked}
	if !b.chunked && b.left == 0 {
		b.err = io.EOF // no body at all
	}
	return b
}

// Read reads the next bytes of the body: never more than its framing has
// left, so the next request stays in br.
func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.chunked && b.left == 0 {
		if b.left, b.err = b.chunks.nextChunk(b.br); b.err != nil {
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

// wrapBody adds the context "read body" to every error but the end.
func wrapBody(err error) error {
	if err == io.EOF {
		return err
	}
	return fmt.Errorf("read body: %w", err)
}

// BodyReader returns the body as it arrives, for a handler that processes
// it piece by piece, as stage 4's upload does. What the handler leaves
// unread, the serve loop reads and drops before the next request. After
// ReadBody, and for a request built by hand, as in tests, it reads Body.
func (r *Request) BodyReader() io.Reader {
	if r.body == nil {
		return bytes.NewReader(r.Body)
	}
	return r.body
}

// ReadBody reads what is left of the body into r.Body, whole, for a
// handler that needs all of it at once. MaxBodyBytes bounds what it holds.
// The buffer grows as bytes arrive rather than being allocated at
// Content-Length, so a client that announces a large body and sends
// nothing costs no memory.
func (r *Request) ReadBody() error {
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

// DiscardBody reads what is left of the body and drops it as it arrives.
// The serve loop calls it after every handler: on a persistent connection
// the next request starts right after the body, so a body must be read to
// its end even when nobody wants it. It returns the error that stopped the
// body, the one a handler may have met first included.
func (r *Request) DiscardBody() error {
	_, err := io.Copy(io.Discard, r.BodyReader())
	return err
}
