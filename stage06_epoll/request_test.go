package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exported returns the fields of r that a caller sees, so that tables need
// not spell out the parser's private framing state.
func exported(r *Request) Request {
	c := *r
	c.contentLength, c.chunked, c.authority = 0, false, ""
	return c
}

// get builds the Request a simple GET parses to.
func get(target string, fields ...Field) *Request {
	path, query, _ := strings.Cut(target, "?")
	return &Request{Method: "GET", Target: target, Path: path, RawQuery: query, Version: "HTTP/1.1", Header: fields}
}

// ReadRequest reads one whole request from the front of in, the head and
// then the body into Body, as the loop does once all of it has arrived,
// and moves in past it: all a test of the parser needs. It returns io.EOF
// if in holds nothing, io.ErrUnexpectedEOF if it ends in the middle of a
// request, and a wrapped *StatusError if the request is invalid.
func ReadRequest(in *input) (*Request, error) {
	start := in.pos
	var p pendingRequest
	for {
		req, n, err := p.next(in.rest(), testInput)
		in.pos += n
		switch {
		case err != nil:
			return nil, err
		case req != nil:
			return fresh(req), nil
		case n == 0 && start == len(in.buf):
			return nil, io.EOF
		case n == 0:
			return nil, io.ErrUnexpectedEOF
		}
	}
}

// fresh returns req as a Request made for it alone would be. The parser
// fills a recycled Request (see input.request), which keeps the storage
// of its fields, so a request without fields has an empty Header where a
// new Request, and stage 5's parser, have none. Tests that compare
// requests compare them fresh.
func fresh(req *Request) *Request {
	if req == nil || req.Header == nil || len(req.Header) > 0 {
		return req
	}
	c := *req
	c.Header = nil
	return &c
}

// inputOf returns an input over s.
func inputOf(s string) *input { return newInput([]byte(s)) }

// Write writes r in wire form, the body framed by Content-Length. It drops
// any Content-Length and Transfer-Encoding fields, because Body holds the
// content already decoded and those fields described the old framing. The
// fuzz test uses it to check that what the parser accepts, re-serialised,
// parses back to the same request.
func (r *Request) Write(w io.Writer) error {
	var b []byte
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, r.Target...)
	b = append(b, ' ')
	b = append(b, r.Version...)
	b = append(b, "\r\n"...)
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, "Content-Length") || strings.EqualFold(f.Name, "Transfer-Encoding") {
			continue
		}
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	if len(r.Body) > 0 {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(r.Body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	b = append(b, r.Body...)
	_, err := w.Write(b)
	return err
}

func TestReadRequest(t *testing.T) {
	host := Field{"Host", "x"}
	// bigHead builds a request whose header section is exactly n bytes.
	bigHead := func(n int) string {
		const start, end = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ", "\r\n\r\n"
		return start + strings.Repeat("a", n-len(start)-len(end)) + end
	}
	chunkedPost := "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

	tests := []struct {
		name       string
		in         string
		want       *Request // for valid requests
		rest       string   // what must remain unread after a valid request
		wantErr    error    // for invalid ones: a sentinel, io.EOF or io.ErrUnexpectedEOF
		wantStatus int      // the status the sentinel carries, 0 for no answer
	}{
		// Valid requests.
		{name: "minimal GET", in: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", want: get("/", host)},
		{
			name: "curl-like GET with query",
			in:   "GET /echo/abc?x=1&y HTTP/1.1\r\nHost: localhost:4221\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
			want: get("/echo/abc?x=1&y", Field{"Host", "localhost:4221"}, Field{"User-Agent", "curl/8.5.0"}, Field{"Accept", "*/*"}),
		},
		{name: "empty query", in: "GET /a? HTTP/1.1\r\nHost: x\r\n\r\n", want: get("/a?", host)},
		{
			name: "HTTP/1.0 needs no Host",
			in:   "GET / HTTP/1.0\r\n\r\n",
			want: &Request{Method: "GET", Target: "/", Path: "/", Version: "HTTP/1.0"},
		},
		{name: "HTTP/1.2 served as HTTP/1.1", in: "GET / HTTP/1.2\r\nHost: x\r\n\r\n", want: get("/", host)},
		{name: "field name case kept", in: "GET / HTTP/1.1\r\nhOsT: x\r\n\r\n", want: get("/", Field{"hOsT", "x"})},
		{
			name: "optional whitespace trimmed, inner kept",
			in:   "GET / HTTP/1.1\r\nHost:x\r\nX-A: \t v  a \t\r\nX-Empty:\r\n\r\n",
			want: get("/", host, Field{"X-A", "v  a"}, Field{"X-Empty", ""}),
		},
		{name: "obs-text in value", in: "GET / HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n", want: get("/", host, Field{"X", "caf\xc3\xa9"})},
		{name: "empty lines before request line", in: "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", want: get("/", host)},
		{
			name: "absolute form: the path is routed, the host must be Host's",
			in:   "GET http://X:4221/echo/abs?q HTTP/1.1\r\nHost: x:4221\r\n\r\n",
			want: &Request{Method: "GET", Target: "http://X:4221/echo/abs?q", Path: "/echo/abs", RawQuery: "q", Version: "HTTP/1.1", Header: Header{{"Host", "x:4221"}}},
		},
		{
			name: "absolute form without a path",
			in:   "GET HTTPS://x?q HTTP/1.1\r\nHost: x\r\n\r\n",
			want: &Request{Method: "GET", Target: "HTTPS://x?q", Path: "/", RawQuery: "q", Version: "HTTP/1.1", Header: Header{host}},
		},
		{
			name: "absolute form in HTTP/1.0 without Host",
			in:   "GET http://x/a HTTP/1.0\r\n\r\n",
			want: &Request{Method: "GET", Target: "http://x/a", Path: "/a", Version: "HTTP/1.0"},
		},
		{
			name: "asterisk form of OPTIONS",
			in:   "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
			want: &Request{Method: "OPTIONS", Target: "*", Path: "*", Version: "HTTP/1.1", Header: Header{host}},
		},
		{name: "100-continue is the expectation understood", in: "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\n\r\n", want: get("/", host, Field{"Expect", "100-Continue"})},
		{name: "unknown method is still a request", in: "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", want: &Request{Method: "BREW", Target: "/pot", Path: "/pot", Version: "HTTP/1.1", Header: Header{host}}},
		{
			name: "Content-Length body, next request left unread",
			in:   "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n",
			want: &Request{Method: "POST", Target: "/p", Path: "/p", Version: "HTTP/1.1", Header: Header{host, {"Content-Length", "5"}}, Body: []byte("hello")},
			rest: "GET / HTTP/1.1\r\n",
		},
		{
			name: "Content-Length zero",
			in:   "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
			want: &Request{Method: "POST", Target: "/p", Path: "/p", Version: "HTTP/1.1", Header: Header{host, {"Content-Length", "0"}}},
		},
		{
			name: "Content-Length leading zeros",
			in:   "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 003\r\n\r\nabc",
			want: &Request{Method: "POST", Target: "/p", Path: "/p", Version: "HTTP/1.1", Header: Header{host, {"Content-Length", "003"}}, Body: []byte("abc")},
		},
		{
			name: "identical Content-Length fields",
			in:   "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
			want: &Request{Method: "POST", Target: "/p", Path: "/p", Version: "HTTP/1.1", Header: Header{host, {"Content-Length", "3"}, {"Content-Length", "3"}}, Body: []byte("abc")},
		},
		{
			name: "identical Content-Length list",
			in:   "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc",
			want: &Request{Method: "POST", Target: "/p", Path: "/p", Version: "HTTP/1.1", Header: Header{host, {"Content-Length", "3, 3"}}, Body: []byte("abc")},
		},
		{
			name: "chunked with extension and trailer",
			in:   chunkedPost + "4\r\nWiki\r\n5;name=val\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\nnext",
			want: &Request{Method: "POST", Target: "/upload", Path: "/upload", Version: "HTTP/1.1", Header: Header{host, {"Transfer-Encoding", "chunked"}}, Body: []byte("Wikipedia in\r\n\r\nchunks.")},
			rest: "next",
		},
		{
			name: "chunked sizes with zeros, case and spaces before extension",
			in:   "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , Chunked\r\n\r\n0003 ;a=b\r\nabc\r\n000\r\n\r\n",
			want: &Request{Method: "POST", Target: "/upload", Path: "/upload", Version: "HTTP/1.1", Header: Header{host, {"Transfer-Encoding", ", Chunked"}}, Body: []byte("abc")},
		},
		{
			name: "chunked empty body",
			in:   chunkedPost + "0\r\n\r\n",
			want: &Request{Method: "POST", Target: "/upload", Path: "/upload", Version: "HTTP/1.1", Header: Header{host, {"Transfer-Encoding", "chunked"}}},
		},
		{
			name: "header section of exactly MaxHeaderBytes",
			in:   bigHead(MaxHeaderBytes),
			want: get("/", host, Field{"X-Pad", strings.Repeat("a", MaxHeaderBytes-len("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \r\n\r\n"))}),
		},

		// Malformed request lines.
		{name: "empty input", in: "", wantErr: io.EOF},
		{name: "two words", in: "GET /\r\nHost: x\r\n\r\n", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "double space", in: "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "trailing space", in: "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "tabs as separators", in: "GET\t/\tHTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "method not a token", in: "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "bare CR in request line", in: "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "TLS handshake, refused before any line end", in: "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", wantErr: ErrRequestLine, wantStatus: 400},
		{name: "bare LF line endings", in: "GET / HTTP/1.1\nHost: x\n\n", wantErr: ErrLineEnding, wantStatus: 400},
		{name: "bare LF after a field", in: "GET / HTTP/1.1\r\nHost: x\n\r\n", wantErr: ErrLineEnding, wantStatus: 400},
		{name: "bare LF empty line", in: "GET / HTTP/1.1\r\nHost: x\r\n\n", wantErr: ErrLineEnding, wantStatus: 400},
		{name: "absolute form with another host", in: "GET http://y/ HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrHostMismatch, wantStatus: 400},
		{name: "absolute form with userinfo", in: "GET http://u@x/ HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "absolute form of another scheme", in: "GET ftp://x/ HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "absolute form without a host", in: "GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "absolute form still needs Host in HTTP/1.1", in: "GET http://x/ HTTP/1.1\r\n\r\n", wantErr: ErrMissingHost, wantStatus: 400},
		{name: "asterisk form for another method", in: "GET * HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "authority form", in: "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "relative target", in: "GET abc HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "fragment in target", in: "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},
		{name: "non-ASCII target", in: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrTarget, wantStatus: 400},

		// Versions.
		{name: "HTTP/2.0", in: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", wantErr: ErrUnsupportedVersion, wantStatus: 505},
		{name: "HTTP/0.9", in: "GET / HTTP/0.9\r\n\r\n", wantErr: ErrUnsupportedVersion, wantStatus: 505},
		{name: "HTTP/1", in: "GET / HTTP/1\r\nHost: x\r\n\r\n", wantErr: ErrVersion, wantStatus: 400},
		{name: "lowercase http", in: "GET / http/1.1\r\nHost: x\r\n\r\n", wantErr: ErrVersion, wantStatus: 400},
		{name: "two-digit minor", in: "GET / HTTP/1.10\r\nHost: x\r\n\r\n", wantErr: ErrVersion, wantStatus: 400},
		{name: "not a version", in: "GET / FOO/1.1\r\nHost: x\r\n\r\n", wantErr: ErrVersion, wantStatus: 400},

		// Header fields.
		{name: "control character in value", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", wantErr: ErrControlChar, wantStatus: 400},
		{name: "NUL in value", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", wantErr: ErrControlChar, wantStatus: 400},
		{name: "DEL in value", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fb\r\n\r\n", wantErr: ErrControlChar, wantStatus: 400},
		{name: "bare CR in value", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", wantErr: ErrControlChar, wantStatus: 400},
		{name: "control character, refused before the line ends", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00", wantErr: ErrControlChar, wantStatus: 400},
		{name: "CR CR LF", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\r\n\r\n", wantErr: ErrControlChar, wantStatus: 400},
		{name: "control character in a chunk line", in: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;\x01\r\n", wantErr: ErrChunk, wantStatus: 400},
		{name: "control character in name", in: "GET / HTTP/1.1\r\nHost: x\r\nX\x01: y\r\n\r\n", wantErr: ErrControlChar, wantStatus: 400},
		{name: "space before colon", in: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", wantErr: ErrSpaceBeforeColon, wantStatus: 400},
		{name: "tab before colon", in: "GET / HTTP/1.1\r\nHost: x\r\nX\t: y\r\n\r\n", wantErr: ErrSpaceBeforeColon, wantStatus: 400},
		{name: "space inside name", in: "GET / HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n", wantErr: ErrHeaderLine, wantStatus: 400},
		{name: "no colon", in: "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", wantErr: ErrHeaderLine, wantStatus: 400},
		{name: "empty name", in: "GET / HTTP/1.1\r\nHost: x\r\n: y\r\n\r\n", wantErr: ErrHeaderLine, wantStatus: 400},
		{name: "obsolete line folding", in: "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", wantErr: ErrHeaderLine, wantStatus: 400},
		{name: "header section one byte too large", in: bigHead(MaxHeaderBytes + 1), wantErr: ErrHeaderTooLarge, wantStatus: 431},
		{name: "target too long", in: "GET /" + strings.Repeat("a", MaxHeaderBytes) + " HTTP/1.1\r\nHost: x\r\n\r\n", wantErr: ErrURITooLong, wantStatus: 414},
		{name: "target too long, no line end yet", in: "GET /" + strings.Repeat("a", MaxHeaderBytes), wantErr: ErrURITooLong, wantStatus: 414},
		{name: "method too long", in: strings.Repeat("A", MaxHeaderBytes+1), wantErr: ErrMethodTooLong, wantStatus: 501},
		{name: "junk too long is not a method", in: strings.Repeat("\x80", MaxHeaderBytes+1), wantErr: ErrRequestLine, wantStatus: 400},
		{name: "version too long", in: "GET / " + strings.Repeat("H", MaxHeaderBytes), wantErr: ErrHeaderTooLarge, wantStatus: 431},
		{name: "target too long after empty lines", in: "\r\n\r\nGET /" + strings.Repeat("a", MaxHeaderBytes-8), wantErr: ErrURITooLong, wantStatus: 414},
		{name: "too many fields", in: "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X: y\r\n", MaxHeaderBytes/6) + "\r\n", wantErr: ErrHeaderTooLarge, wantStatus: 431},
		{name: "too large, no line end yet", in: "GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", MaxHeaderBytes), wantErr: ErrHeaderTooLarge, wantStatus: 431},

		// Host.
		{name: "missing Host", in: "GET / HTTP/1.1\r\nUser-Agent: me\r\n\r\n", wantErr: ErrMissingHost, wantStatus: 400},
		{name: "two Host fields", in: "GET / HTTP/1.1\r\nHost: x\r\nhost: y\r\n\r\n", wantErr: ErrMultipleHost, wantStatus: 400},
		{name: "two Host fields in HTTP/1.0", in: "GET / HTTP/1.0\r\nHost: x\r\nHost: x\r\n\r\n", wantErr: ErrMultipleHost, wantStatus: 400},
		{name: "invalid Host", in: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", wantErr: ErrInvalidHost, wantStatus: 400},

		// Expect.
		{name: "an expectation other than 100-continue", in: "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", wantErr: ErrExpectation, wantStatus: 417},
		{name: "100-continue and another", in: "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, x\r\n\r\n", wantErr: ErrExpectation, wantStatus: 417},

		// Content-Length.
		{name: "Content-Length not a number", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length negative", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length with plus sign", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length empty", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length inner space", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length overflow", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length conflicting fields", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length conflicting list", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length empty list element", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3,\r\n\r\nabc", wantErr: ErrContentLength, wantStatus: 400},
		{name: "Content-Length over the cap, no body sent", in: fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", MaxBodyBytes+1), wantErr: ErrBodyTooLarge, wantStatus: 413},
		{name: "body shorter than Content-Length", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", wantErr: io.ErrUnexpectedEOF},

		// Transfer-Encoding.
		{name: "Transfer-Encoding and Content-Length", in: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", wantErr: ErrLengthAndEncoding, wantStatus: 400},
		{name: "gzip coding", in: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", wantErr: ErrUnsupportedCoding, wantStatus: 501},
		{name: "gzip then chunked", in: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", wantErr: ErrUnsupportedCoding, wantStatus: 501},
		{name: "chunked twice", in: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", wantErr: ErrTransferEncoding, wantStatus: 400},
		{name: "empty Transfer-Encoding", in: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n", wantErr: ErrTransferEncoding, wantStatus: 400},
		{name: "chunked in HTTP/1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", wantErr: ErrTransferEncoding, wantStatus: 400},
		{name: "chunk size not hex", in: chunkedPost + "zz\r\n", wantErr: ErrChunk, wantStatus: 400},
		{name: "chunk size missing", in: chunkedPost + "\r\n", wantErr: ErrChunk, wantStatus: 400},
		{name: "junk after chunk size", in: chunkedPost + "4 x\r\nWiki\r\n0\r\n\r\n", wantErr: ErrChunk, wantStatus: 400},
		{name: "chunk data too long", in: chunkedPost + "4\r\nWikiX\r\n0\r\n\r\n", wantErr: ErrChunk, wantStatus: 400},
		{name: "chunk size line with bare LF", in: chunkedPost + "4\nWiki\r\n0\r\n\r\n", wantErr: ErrLineEnding, wantStatus: 400},
		{name: "chunk size line too long", in: chunkedPost + "4;" + strings.Repeat("x", maxChunkLineBytes) + "\r\n", wantErr: ErrChunk, wantStatus: 400},
		{name: "malformed trailer", in: chunkedPost + "0\r\nno colon\r\n\r\n", wantErr: ErrHeaderLine, wantStatus: 400},
		{name: "chunk over the cap", in: chunkedPost + fmt.Sprintf("%x\r\n", MaxBodyBytes+1), wantErr: ErrBodyTooLarge, wantStatus: 413},
		{name: "chunk size overflows", in: chunkedPost + "fffffffffffffffffffff\r\n", wantErr: ErrBodyTooLarge, wantStatus: 413},
		{name: "chunked body cut short", in: chunkedPost + "4\r\nWi", wantErr: io.ErrUnexpectedEOF},
		{name: "chunked body without last chunk", in: chunkedPost + "4\r\nWiki\r\n", wantErr: io.ErrUnexpectedEOF},

		// Incomplete heads: no status, the server must just wait.
		{name: "request line cut short", in: "GET / HT", wantErr: io.ErrUnexpectedEOF},
		{name: "no empty line", in: "GET / HTTP/1.1\r\nHost: x\r\n", wantErr: io.ErrUnexpectedEOF},
		{name: "only empty lines", in: "\r\n\r\n", wantErr: io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := inputOf(tc.in)
			req, err := ReadRequest(in)
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.Nil(t, req)
				assert.ErrorIs(t, err, tc.wantErr)
				var se *StatusError
				if tc.wantStatus == 0 {
					assert.False(t, errors.As(err, &se), "an incomplete request must get no answer, got %v", err)
				} else if assert.ErrorAs(t, err, &se) {
					assert.Equal(t, tc.wantStatus, se.Status)
				}
				return
			}
			require.NoError(t, err)
			require.NotNil(t, tc.want, "test case lacks want")
			assert.Equal(t, *tc.want, exported(req))
			assert.Equal(t, tc.rest, string(in.rest()), "bytes left after the request")
		})
	}
}

// TestReadRequestOneByteAtATime checks that a request parses to exactly the
// same value, private framing state included, whether its bytes arrive all
// at once or one per read.
func TestReadRequestOneByteAtATime(t *testing.T) {
	const in = "POST /echo/abc?q=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: me\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: t\r\n\r\n"
	whole, err := ReadRequest(inputOf(in))
	require.NoError(t, err)
	var d driver
	var slow outcome
	for k := 1; k <= len(in) && slow.incomplete(); k++ {
		slow = d.feed([]byte(in[:k]))
	}
	require.Empty(t, slow.err)
	assert.Equal(t, whole, slow.req)
	assert.Equal(t, "abcde", string(slow.req.Body))
}

// TestReadRequestBackToBack checks that requests sent together on one
// connection come out one at a time and in order, each body consumed
// exactly, then io.EOF: what keep-alive and pipelining rely on.
func TestReadRequestBackToBack(t *testing.T) {
	const in = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none" +
		"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n" +
		"GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
	src := inputOf(in)
	for _, want := range []struct{ path, body string }{{"/a", "one"}, {"/b", "two"}, {"/c", ""}} {
		req, err := ReadRequest(src)
		require.NoError(t, err, want.path)
		assert.Equal(t, want.path, req.Path)
		assert.Equal(t, want.body, string(req.Body))
	}
	_, err := ReadRequest(src)
	assert.Equal(t, io.EOF, err, "a clean end between requests is a bare io.EOF")
}

// TestReadRequestHeadLeavesBody checks that ReadRequestHead stops at the
// empty line, so the server can send 100 Continue before the body.
func TestReadRequestHeadLeavesBody(t *testing.T) {
	in := inputOf("PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody")
	req, err := ReadRequestHead(in)
	require.NoError(t, err)
	assert.True(t, req.ExpectsContinue())
	assert.Nil(t, req.Body)
	assert.Equal(t, "body", string(in.rest()), "the body is still unread")
}

func TestExpectsContinue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"with Content-Length", "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", true},
		{"chunked, any case", "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n", true},
		{"no body to wait for", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n", false},
		{"HTTP/1.0 ignores it", "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", false},
		{"no Expect", "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ReadRequestHead(inputOf(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, req.ExpectsContinue())
		})
	}
}

func TestKeepAlive(t *testing.T) {
	tests := []struct {
		version, connection string
		want                bool
	}{
		{"HTTP/1.1", "", true},
		{"HTTP/1.1", "close", false},
		{"HTTP/1.1", "Keep-Alive, Close", false},
		{"HTTP/1.1", "keep-alive", true},
		{"HTTP/1.0", "", false},
		{"HTTP/1.0", "keep-alive", true},
		{"HTTP/1.0", "Keep-Alive", true},
		{"HTTP/1.0", "close", false},
	}
	for _, tc := range tests {
		t.Run(tc.version+" "+tc.connection, func(t *testing.T) {
			req := &Request{Version: tc.version}
			if tc.connection != "" {
				req.Header = Header{{"Connection", tc.connection}}
			}
			assert.Equal(t, tc.want, req.KeepAlive())
		})
	}
}

func TestHeader(t *testing.T) {
	h := Header{{"User-Agent", "a"}, {"X", "1"}, {"user-agent", "b"}}
	assert.Equal(t, "a", h.Get("USER-AGENT"), "Get returns the first value")
	assert.Equal(t, []string{"a", "b"}, h.Values("User-agent"))
	assert.Equal(t, "", h.Get("Missing"))
	assert.Nil(t, h.Values("Missing"))
}

func TestRequestWrite(t *testing.T) {
	req := &Request{
		Method: "POST", Target: "/a?b", Version: "HTTP/1.1",
		Header: Header{{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"X", "y"}},
		Body:   []byte("hello"),
	}
	var buf bytes.Buffer
	require.NoError(t, req.Write(&buf))
	assert.Equal(t, "POST /a?b HTTP/1.1\r\nHost: x\r\nX: y\r\nContent-Length: 5\r\n\r\nhello", buf.String())
}

// TestChunkExtensionsCountAsBody checks that chunk-size lines, extensions
// included, count towards MaxBodyBytes: otherwise tiny chunks with long
// extensions would carry unbounded data past the limit.
func TestChunkExtensionsCountAsBody(t *testing.T) {
	_, err := ReadRequest(inputOf(extensionFlood()))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
}

// extensionFlood returns a chunked request whose data is one byte a
// chunk, under MaxBodyBytes, but whose chunk extensions take it over.
func extensionFlood() string {
	ext := ";x=" + strings.Repeat("a", maxChunkLineBytes-16)
	var b strings.Builder
	b.WriteString("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	for i := 0; i < MaxBodyBytes/len(ext)+2; i++ {
		b.WriteString("1" + ext + "\r\nz\r\n")
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}
