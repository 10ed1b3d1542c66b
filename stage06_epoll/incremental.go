package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Incremental parsing: stage 2's parser on an event loop.
//
// Stage 2's parser pulls bytes: ReadRequestHead calls ReadByte until the
// head is complete, and a goroutine that waits inside it costs nothing but
// its stack. An event loop cannot wait: bytes are pushed to it, a few at a
// time, and it must go back to its other connections as soon as they are
// used up. So each connection keeps what it received in a buffer, and the
// loop runs the unchanged parser over that buffer through a bufio.Reader
// over a bytes.Reader. If the parser runs off the end of the buffer
// (io.ErrUnexpectedEOF), the request is incomplete: nothing is consumed,
// and the loop tries again when more bytes arrive.
//
// Trying again from the start of the request on every read would cost
// O(n²) on a request that arrives in many small pieces: an 8 MiB body in
// 1,500-byte packets would be parsed over 5,000 times. So pendingRequest
// runs the parser only when the new bytes can change its answer, which a
// cheap look at them tells:
//
//   - A head is decided only at a line end, a control character or the
//     size limit (see readLine), so bytes without any of those are not
//     worth a new attempt.
//   - A Content-Length body is complete when that many bytes are there.
//   - A chunked body is walked chunk by chunk as it arrives (chunkScan),
//     skipping the data by its announced size, and ReadBody runs once it
//     has ended or broken a rule.
//
// The parser keeps the last word: these checks only decide when to ask
// it, and every answer, request or error, is the one stage 2 gives for
// the same bytes. incremental_test.go checks that at every cut point.

// pendingRequest is what a connection knows about the request at the front
// of its input while that request arrives.
type pendingRequest struct {
	req     *Request // the head, once it has arrived; nil before
	headLen int      // how many bytes the head took
	checked int      // how many bytes of the head were seen by the last attempt
	chunks  chunkScan
}

// next looks for one whole request at the front of in, which holds every
// byte received and not yet consumed. It returns:
//
//   - the request and how many bytes it took, when it is all there: the
//     caller drops those bytes and calls next again for the one after;
//   - nil, 0, nil when only part of it is there: p remembers how far it got,
//     and the caller calls next again with the same bytes plus new ones;
//   - the parser's error when the bytes can never make a valid request: a
//     *StatusError, which the server answers.
//
// in must start where the last whole request ended, and must not be
// changed between calls except by appending.
func (p *pendingRequest) next(in []byte, src *bufferedInput) (*Request, int, error) {
	if p.req == nil {
		if !mayDecide(in, p.checked, MaxHeaderBytes) {
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
		p.req, p.headLen = req, src.consumed()
	}

	body := in[p.headLen:]
	if p.req.chunked {
		if !p.chunks.mayEnd(body, src) {
			return nil, 0, nil
		}
	} else if int64(len(body)) < p.req.contentLength {
		return nil, 0, nil
	}
	p.req.body = newBodyReader(p.req, src.reset(body))
	err := p.req.ReadBody()
	if incomplete(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	req, n := p.req, p.headLen+src.consumed()
	*p = pendingRequest{}
	return req, n, nil
}

// headDone reports whether the head of the pending request has arrived but
// not its whole body: the moment to answer Expect: 100-continue.
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

// chunkScan follows a chunked body (RFC 9112 §7.1) while it arrives, to
// tell when ReadBody is worth running. It reads each chunk-size line once,
// skips the chunk data by its size, without copying it, and remembers
// where it is, so that each byte is looked at about once however the body
// is cut.
type chunkScan struct {
	next    int   // where the current chunk's size line starts, from the start of the body
	counted int64 // what readChunked counts towards MaxBodyBytes before it: data and size lines
	checked int   // how many bytes from next the last look saw
	// Once the size line is complete: where the data (or, after the last
	// chunk, the trailer section) starts, from next, and its size.
	dataAt  int
	dataLen int64
	last    bool // the current chunk is the last one, of size 0
}

// mayEnd reports whether ReadBody, run over body (what has arrived of a
// chunked body so far), would do more than run out of bytes: the body
// ends in it, or breaks a rule ReadBody checks.
func (s *chunkScan) mayEnd(body []byte, src *bufferedInput) bool {
	for {
		rest := body[s.next:]
		if s.dataAt == 0 {
			// The size line: decided, like a head's line, only by a line
			// end, a control character or its length (see readLine).
			if !mayDecide(rest, s.checked, maxChunkLineBytes) {
				s.checked = len(rest)
				return false
			}
			s.checked = len(rest)
			eol := bytes.IndexByte(rest, '\n')
			if eol < 0 {
				return len(rest) > maxChunkLineBytes || hasControl(rest)
			}
			line := rest[:eol]
			if eol+1 > maxChunkLineBytes || len(line) == 0 || line[len(line)-1] != '\r' || hasControl(line) {
				return true // too long, a bare LF, or a control character
			}
			size, err := parseChunkSize(string(line[:len(line)-1]))
			if err != nil || size > 0 && size > MaxBodyBytes-s.counted-int64(eol+1) {
				return true // ErrChunk or ErrBodyTooLarge
			}
			s.dataAt, s.dataLen, s.last = eol+1, size, size == 0
			s.checked = 0 // what follows the line has not been looked at
		}

		if s.last {
			// From its size line on, the last chunk is a chunked body
			// of its own, with no data and the same trailer section,
			// which readChunked decides quickly however long the body
			// before it was. Its lines are decided like a head's.
			if !mayDecide(rest, s.checked, s.dataAt+MaxHeaderBytes) {
				s.checked = len(rest)
				return false
			}
			s.checked = len(rest)
			var last chunkState
			_, err := last.nextChunk(src.reset(rest))
			return err == io.EOF || !incomplete(err)
		}

		crlf := s.dataAt + int(s.dataLen) // where the CRLF after the data goes
		if len(rest) < crlf+2 {
			// The data is still arriving; it may hold any byte, and only
			// the CRLF after it can be wrong.
			return len(rest) > crlf && rest[crlf] != '\r'
		}
		if rest[crlf] != '\r' || rest[crlf+1] != '\n' {
			return true // ErrChunk
		}
		*s = chunkScan{next: s.next + crlf + 2, counted: s.counted + int64(s.dataAt) + s.dataLen}
	}
}

// hasControl reports whether line holds a byte readLine refuses: a control
// character, or a CR anywhere but at the end, where an LF may still follow.
func hasControl(line []byte) bool {
	for i, c := range line {
		if isControl(c) && !(c == '\r' && i == len(line)-1) {
			return true
		}
	}
	return false
}

// bufferedInput lets stage 2's parser, which reads from a *bufio.Reader,
// read bytes already in memory. Each loop has one and reuses it for every
// attempt, so an attempt allocates no reader.
type bufferedInput struct {
	src bytes.Reader
	br  *bufio.Reader
}

func newBufferedInput() *bufferedInput {
	return &bufferedInput{br: bufio.NewReaderSize(nil, 4096)}
}

// reset points the reader at in, from its start.
func (bi *bufferedInput) reset(in []byte) *bufio.Reader {
	bi.src.Reset(in)
	bi.br.Reset(&bi.src)
	return bi.br
}

// consumed returns how many bytes of the in of the last reset the parser
// has taken since: what it read from the bytes.Reader, minus what it holds
// unread in its buffer.
func (bi *bufferedInput) consumed() int {
	return int(bi.src.Size()) - bi.src.Len() - bi.br.Buffered()
}
