package main

import (
	"bytes"
	"errors"
	"io"
)

// Incremental parsing: stage 2's parser on an event loop, reading from the
// loop's own buffer.
//
// Stage 2's parser pulls bytes: ReadRequestHead calls ReadByte until the
// head is complete, and a goroutine that waits inside it costs nothing but
// its stack. An event loop cannot wait: bytes are pushed to it, a few at a
// time, and it must go back to its other connections as soon as they are
// used up. So each connection keeps what it received in a buffer, and the
// loop runs the parser over that buffer, reading the bytes where they are
// (input, below). If the parser runs off the end of the buffer
// (io.ErrUnexpectedEOF), the request is incomplete: nothing is consumed,
// and the loop tries again when more bytes arrive.
//
// A head waits in the buffer until it is whole, which its limit bounds. A
// body does not: it is taken as it arrives and handed to its sink (see
// bodies.go), so that a connection holds a few KiB of a body however
// large it is. A Content-Length body is taken as it comes. A chunked body
// is taken a chunk's data at a time, and between the data, stage 2's
// chunkState reads the CRLF, the next size line and, after the last
// chunk, the trailer, once the bytes can decide them.
//
// Trying again from the start of a head on every read would cost O(n²)
// on a head that arrives in many small pieces, and so would retrying a
// long chunk-size line or trailer. So pendingRequest runs the parser only
// when the new bytes can change its answer, which a cheap look at them
// tells: a line is decided only at a line end, a control character or
// the size limit (see readLine), so bytes without any of those are not
// worth a new attempt.
//
// The parser keeps the last word: these checks only decide when to ask
// it, and every answer, request or error, is the one stage 2 gives for
// the same bytes: incremental_test.go checks that at every cut point,
// against stage 5's parser reading a bufio.Reader (stage5parser_test.go).

// pendingRequest is what a connection knows about the request at the front
// of its input while that request arrives.
type pendingRequest struct {
	req     *Request // the head, once it has arrived; nil before
	checked int      // how many bytes the last attempt saw, of the head or between two chunks' data
	left    int64    // of a body: what is still to come of a Content-Length body, or of the current chunk's data
	chunks  chunkState
	sink    bodySink // where the body goes; until it is chosen, into memory
}

// next takes what it can of the request at the front of in, which holds
// every byte received and not yet consumed, and returns how many bytes it
// took, which the caller drops from in. It returns:
//
//   - the request, when it is all there;
//   - nil and no error when it is not: the head has just arrived (and
//     headDone now says so), or part of the body went to its sink, or
//     nothing could be taken until more bytes come;
//   - the parser's error when the bytes can never make a valid request: a
//     *StatusError, which the server answers.
func (p *pendingRequest) next(in []byte, src *input) (*Request, int, error) {
	if p.req == nil {
		if !mayDecide(in, p.checked, MaxHeaderBytes) {
			p.checked = len(in)
			return nil, 0, nil
		}
		p.checked = len(in)
		req, err := ReadRequestHead(src.reset(in))
		if incomplete(err) {
			return nil, 0, nil
		}
		if err != nil {
			return nil, 0, err
		}
		p.req, p.checked, p.left = req, 0, req.contentLength
		if req.chunked || req.contentLength > 0 {
			return nil, src.consumed(), nil // the caller chooses the sink now
		}
		return p.finish(src.consumed())
	}
	n, done, err := p.takeBody(in, src)
	if err != nil || !done {
		return nil, n, err
	}
	return p.finish(n)
}

// finish ends the request once its body has all arrived: the sink hands
// it to the request, and p is reset for the next one.
func (p *pendingRequest) finish(n int) (*Request, int, error) {
	req := p.req
	var err error
	if p.sink != nil {
		err = p.sink.done(req)
	}
	*p = pendingRequest{}
	return req, n, err
}

// takeBody hands the body bytes at the front of in to the sink, and
// reports how many it took and whether the body is complete.
func (p *pendingRequest) takeBody(in []byte, src *input) (int, bool, error) {
	if p.sink == nil {
		p.sink = &memorySink{}
	}
	n := 0
	for {
		if k := int(min(int64(len(in)-n), p.left)); k > 0 {
			if _, err := p.sink.Write(in[n : n+k]); err != nil {
				return n, false, err
			}
			n += k
			p.left -= int64(k)
		}
		switch {
		case p.left > 0:
			return n, false, nil // the data is still arriving
		case !p.req.chunked:
			return n, true, nil
		}
		// Between two chunks' data: the CRLF, the next size line and,
		// after the last chunk, the trailer section, which stage 2's
		// chunkState reads once the bytes can decide it.
		if !p.chunkMayDecide(in[n:]) {
			return n, false, nil
		}
		rest := in[n:]
		before := p.chunks
		size, err := p.chunks.nextChunk(src.reset(rest))
		switch {
		case err == io.EOF:
			return n + src.consumed(), true, nil
		case incomplete(err):
			p.chunks, p.checked = before, len(rest)
			return n, false, nil
		case err != nil:
			return n, false, wrapBody(err)
		}
		n += src.consumed()
		p.left, p.checked = size, 0
	}
}

// chunkMayDecide reports whether nextChunk, run over rest (what follows a
// chunk's data, or the start of the body), could now do more than run out
// of bytes. After a chunk's data only CRLF may come, so any other first
// byte decides at once. Then the size line is decided, like a head's
// lines, at a line end, a control character or past its limit; and after
// the last chunk's line, the trailer section's lines the same way.
func (p *pendingRequest) chunkMayDecide(rest []byte) bool {
	prefix := 0
	if p.chunks.started {
		prefix = 2
		if len(rest) > 0 && rest[0] != '\r' {
			return true
		}
	}
	limit := prefix + maxChunkLineBytes // of the size line
	if eol := bytes.IndexByte(rest[min(prefix, len(rest)):], '\n'); eol >= 0 {
		limit = prefix + eol + 1 + MaxHeaderBytes // of the trailer, if this is the last chunk
	}
	if mayDecide(rest, p.checked, limit) {
		return true
	}
	p.checked = len(rest)
	return false
}

// headDone reports whether the head of the pending request has arrived but
// not its whole body: the moment to choose the body's sink, and to answer
// Expect: 100-continue.
func (p *pendingRequest) headDone() bool { return p.req != nil }

// incomplete reports whether err is the parser running out of bytes, which
// on an event loop means "wait for more", not an error.
func incomplete(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// mayDecide reports whether stage 2's readLine, run over in, could now
// reach a different outcome than when it ran over in[:checked] and ran out
// of bytes. readLine returns only at a line feed, at a control character
// other than HTAB (including a CR followed by anything but LF), or past
// limit bytes, so if the bytes after checked hold none of these, and the
// byte before them is not a CR, the answer is still "incomplete".
//
// This keeps stage 2's promise that bad input is refused as soon as the
// offending byte arrives, while a request trickling in one byte at a time
// is parsed once per line rather than once per byte.
func mayDecide(in []byte, checked, limit int) bool {
	if len(in) > limit {
		return true
	}
	for _, c := range in[max(checked-1, 0):] {
		if isControl(c) {
			return true
		}
	}
	return false
}

// isControl reports whether readLine stops at c: a control character other
// than HTAB, CR and LF included.
func isControl(c byte) bool { return c < 0x20 && c != '\t' || c == 0x7f }

// input is what the parser reads from: the bytes the loop holds for a
// connection, and how far into them the parser has got. Up to stage 5 the
// parser pulled bytes from a bufio.Reader over the connection, which
// copied them from the socket into its own buffer first; here they are in
// the loop's buffer already, and the parser reads them there. Each loop
// has one input and points it at each connection's bytes in turn (reset).
type input struct {
	buf   []byte
	pos   int       // the next byte to read
	lines lineCache // the strings of lines read before; see readLine
	spare *Request  // the Request the parser fills next; see request
}

// newInput returns an input over buf, with a line cache of its own.
func newInput(buf []byte) *input {
	return &input{buf: buf, lines: lineCache{}}
}

// reset points in at buf, from its start.
func (in *input) reset(buf []byte) *input {
	in.buf, in.pos = buf, 0
	return in
}

// ReadByte returns the next byte, or io.EOF when none is left: on the
// loop, the end of what has arrived so far.
func (in *input) ReadByte() (byte, error) {
	if in.pos == len(in.buf) {
		return 0, io.EOF
	}
	in.pos++
	return in.buf[in.pos-1], nil
}

// rest returns the bytes not read yet.
func (in *input) rest() []byte { return in.buf[in.pos:] }

// consumed returns how many bytes of the buf of the last reset the parser
// has taken.
func (in *input) consumed() int { return in.pos }
