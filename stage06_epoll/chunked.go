package main

// The chunked transfer coding (RFC 9112 §7.1): a body sent while it is
// produced, as chunks that each announce their size, up to a chunk of size
// 0 and a trailer section. ReadRequestHead learns from Transfer-Encoding
// that a body is chunked (parseTransferEncoding), and the loop decodes it
// as it arrives, a chunk at a time (chunkState).

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxChunkLineBytes bounds one chunk-size line of a chunked body, chunk
// extensions included. The size lines also count towards MaxBodyBytes, so
// many small chunks with long extensions cannot carry unbounded data that
// is never counted as body.
const maxChunkLineBytes = 4 << 10

// parseTransferEncoding checks the Transfer-Encoding of a request that has
// no Content-Length (RFC 9112 §6.1), and marks its body chunked. The only
// transfer coding this server decodes is chunked, and it must be there
// exactly once: anything else is a framing the server cannot trust, or one
// it cannot read.
func (r *Request) parseTransferEncoding(te []string) error {
	if r.Version == "HTTP/1.0" {
		return ErrTransferEncoding // RFC 9112 §6.1: faulty framing in HTTP/1.0
	}
	codings := splitList(te)
	if len(codings) == 0 {
		return ErrTransferEncoding
	}
	for _, c := range codings {
		if !strings.EqualFold(c, "chunked") {
			return ErrUnsupportedCoding
		}
	}
	if len(codings) > 1 {
		return ErrTransferEncoding // chunked applied more than once
	}
	r.chunked = true
	return nil
}

// chunkState is how far a chunked body has been read (RFC 9112 §7.1):
// chunks of a hexadecimal size line followed by that many bytes and CRLF,
// up to a chunk of size 0, then a trailer section ended by an empty line.
// Chunk extensions are ignored and trailer fields are read and discarded,
// which RFC 9112 §7.1.1 and §7.1.2 allow. The loop takes the data of
// each chunk itself, straight from its buffer (see incremental.go);
// chunkState reads what lies between two chunks' data.
type chunkState struct {
	counted int64 // data and size lines so far, counted towards MaxBodyBytes
	started bool  // a chunk's data has been read, so its CRLF comes first
}

// nextChunk reads up to the data of the next chunk, and returns its size:
// the CRLF that ends the data before, then the size line, whose size is
// checked against MaxBodyBytes before a byte of the data is read. After
// the last chunk it reads the trailer section and returns io.EOF.
func (s *chunkState) nextChunk(in *input) (int64, error) {
	if s.started {
		if err := readCRLF(in); err != nil {
			return 0, err
		}
	}
	s.started = true
	line, n, err := readLine(in, maxChunkLineBytes, ErrChunk, ErrChunk)
	if err != nil {
		return 0, unexpected(err)
	}
	s.counted += int64(n)
	size, err := parseChunkSize(line)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		if _, err := readFields(in, MaxHeaderBytes, nil); err != nil {
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

// parseChunkSize parses "chunk-size [ chunk-ext ]", where chunk-size is
// 1*HEXDIG and an extension starts with optional whitespace and ";"
// (RFC 9112 §7.1.1). A size too large for int64 is certainly over
// MaxBodyBytes, so it is reported as ErrBodyTooLarge.
func parseChunkSize(line string) (int64, error) {
	i := 0
	for i < len(line) && isHex(line[i]) {
		i++
	}
	if i == 0 {
		return 0, ErrChunk
	}
	if ext := strings.TrimLeft(line[i:], " \t"); ext != "" && ext[0] != ';' {
		return 0, ErrChunk
	}
	size, err := strconv.ParseInt(line[:i], 16, 64)
	if err != nil {
		return 0, ErrBodyTooLarge
	}
	return size, nil
}

// readCRLF consumes the CRLF that ends a chunk's data.
func readCRLF(in *input) error {
	for _, want := range []byte("\r\n") {
		c, err := in.ReadByte()
		if err != nil {
			return unexpected(err)
		}
		if c != want {
			return ErrChunk
		}
	}
	return nil
}

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
