package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
	"sync"
)

// gzipMiddleware compresses the body of a response with gzip when the
// request's Accept-Encoding accepts it (RFC 9110 §12.5.3), and says so
// with Content-Encoding: gzip. The serve loop writes Content-Length as
// len(Body), so it is the compressed length, as it must be: it counts the
// bytes on the wire.
//
// Only bodies worth compressing are: text and JSON, not empty, not
// encoded already. Those responses also get Vary: Accept-Encoding whether
// or not this request accepts gzip, because the response depends on that
// header (RFC 9110 §12.5.5): a cache that stored the plain answer must not
// hand it to a client that asked for gzip, and the other way round.
// Bodies of other types, such as files served as application/octet-stream,
// pass through untouched: they are often compressed already.
//
// A Feed is compressed as it is produced, one gzip stream over all its
// chunks, flushed after each (see gzipFeed).
//
// There is no minimum size. A body of a few bytes grows when compressed,
// by the 18 bytes of gzip's header and trailer; real servers skip bodies
// under a few hundred bytes, but CodeCrafters' tester expects a short
// echoed word to arrive compressed.
//
// A response to HEAD is compressed too, although the serve loop then
// drops the body: HEAD must get the Content-Length that GET would get
// (RFC 9110 §9.3.2), and that is the compressed length.
func gzipMiddleware(next Handler) Handler {
	return func(req *Request) *Response {
		resp := next(req)
		if !compressible(resp) {
			return resp
		}
		if !resp.Header.hasToken("Vary", "Accept-Encoding") {
			resp.Header.Add("Vary", "Accept-Encoding")
		}
		if !acceptsGzip(req.Header.Values("Accept-Encoding")) {
			return resp
		}
		if resp.Feed == nil {
			resp.Body = gzipBytes(resp.Body)
		} else if feed, ok := newGzipFeed(resp.Feed); ok {
			resp.Feed = feed
		} else {
			return resp // too many compressed streams already: this one goes as it is
		}
		resp.Header.Add("Content-Encoding", "gzip")
		return resp
	}
}

// compressible reports whether gzipMiddleware compresses resp's body.
func compressible(resp *Response) bool {
	if !hasContent(resp.Status) || (len(resp.Body) == 0 && resp.Feed == nil) || resp.Header.Get("Content-Encoding") != "" {
		return false
	}
	mt, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return strings.HasPrefix(mt, "text/") || mt == "application/json"
}

// acceptsGzip reports whether the Accept-Encoding field values accept
// gzip. A value is a comma-separated list of content codings, each with an
// optional weight from 0 to 1, such as "deflate, gzip;q=0.5" (RFC 9110
// §12.5.3). Coding names are case-insensitive; x-gzip is another name for
// gzip (RFC 9110 §8.4.1.3). Weight 0 means "not acceptable", so
// "gzip;q=0" refuses gzip. "*" stands for every coding the list does not
// name, so "*" accepts gzip and "gzip;q=0, *" does not. No field, or a
// list without gzip or "*", means no coding: "identity" alone,
// "encoding-1, encoding-2", and "invalid-encoding" all get a plain body.
// A member with a malformed weight, such as "gzip;q=2", is ignored: when
// in doubt, do not compress.
func acceptsGzip(values []string) bool {
	gzipQ, anyQ := -1.0, -1.0 // -1: not in the list
	for _, member := range splitList(values) {
		coding, q, ok := parseCoding(member)
		switch {
		case !ok:
		case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
			gzipQ = max(gzipQ, q)
		case coding == "*":
			anyQ = max(anyQ, q)
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// parseCoding splits one member of Accept-Encoding, such as "gzip;q=0.5",
// into the coding and its weight, 1 when it has none. Other parameters
// are ignored. ok is false for a malformed weight.
func parseCoding(member string) (coding string, q float64, ok bool) {
	coding, params, _ := strings.Cut(member, ";")
	q = 1
	for params != "" {
		var param string
		param, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(param, "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			if q, ok = parseQValue(strings.TrimSpace(value)); !ok {
				return "", 0, false
			}
		}
	}
	return strings.TrimSpace(coding), q, true
}

// parseQValue parses a weight: "0" or "1", optionally followed by a dot
// and up to three digits, and no more than 1 (RFC 9110 §12.4.2). So "0.5"
// and "1.000" are weights, and "2", ".5", "0.0001" and "abc" are not.
func parseQValue(s string) (float64, bool) {
	if s == "" || len(s) > len("0.000") || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	if len(s) > 1 && (s[1] != '.' || strings.Trim(s[2:], "0123456789") != "") {
		return 0, false
	}
	q, err := strconv.ParseFloat(s, 64)
	return q, err == nil && q <= 1
}

// gzipWriters keeps gzip writers for reuse. A new writer allocates its
// compression state, over a megabyte, and spends far longer on that than
// on compressing a small body; a sync.Pool lets each request borrow a
// writer already made (BenchmarkGzipBytes measures both). The level is
// gzip.BestSpeed, nginx's default too: on a page of 100 users with
// made-up names, 3.2 KB of JSON, its output was within 2% of the default
// level's (1110 bytes against 1094), in under a third of the time.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // fails only for an invalid level
	return zw
}}

// gzipBytes returns b compressed in the gzip format (RFC 1952).
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	// Writing to a bytes.Buffer cannot fail, so neither can these.
	zw.Write(b)
	zw.Close()
	zw.Reset(io.Discard) // so that the pool does not keep buf alive
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// maxGzipFeeds bounds the feeds compressed at once. A compressed Body
// borrows a gzip writer for microseconds; a compressed Feed keeps one,
// about 1.2 MB of compression state, for as long as it lasts, so a
// thousand subscribers that accept gzip would hold over a gigabyte. Past
// the bound a feed is sent uncompressed, which a client that accepts gzip
// accepts too: identity is acceptable unless a request excludes it (RFC
// 9110 §12.5.3).
const maxGzipFeeds = 64

// gzipFeedSlots holds a token for each feed being compressed.
var gzipFeedSlots = make(chan struct{}, maxGzipFeeds)

// gzipFeed compresses a Feed as it is sent: one gzip stream (RFC 1952)
// over every chunk of the feed, flushed after each (a deflate sync flush,
// RFC 1951 §3.2.4, ends the bytes so far on a byte boundary), so that the
// client can decompress an event the moment its chunk arrives, and the
// stream ends with gzip's trailer when the feed does.
type gzipFeed struct {
	inner Feed
	zw    *gzip.Writer // borrowed from gzipWriters at the first bytes
	out   bytes.Buffer // what zw has written and Next not yet returned
	plain []byte       // the inner feed's bytes, reused
}

// newGzipFeed returns inner compressed, or false when maxGzipFeeds are
// compressed already.
func newGzipFeed(inner Feed) (*gzipFeed, bool) {
	select {
	case gzipFeedSlots <- struct{}{}:
		return &gzipFeed{inner: inner}, true
	default:
		return nil, false
	}
}

func (f *gzipFeed) Start(wake func()) { f.inner.Start(wake) }

// Next returns what the inner feed has ready, compressed and flushed,
// and at the end gzip's trailer. Writing to a bytes.Buffer cannot fail,
// so neither can zw.
func (f *gzipFeed) Next(p []byte, end bool) ([]byte, bool) {
	var done bool
	f.plain, done = f.inner.Next(f.plain[:0], end)
	if len(f.plain) == 0 && !done {
		return p, false // an empty flush would send a few bytes of nothing
	}
	if f.zw == nil {
		f.zw = gzipWriters.Get().(*gzip.Writer)
		f.zw.Reset(&f.out)
	}
	f.zw.Write(f.plain)
	if done {
		f.zw.Close()
	} else {
		f.zw.Flush()
	}
	p = append(p, f.out.Bytes()...)
	f.out.Reset()
	return p, done
}

// Close closes the inner feed, and gives back the writer and the slot.
func (f *gzipFeed) Close() {
	f.inner.Close()
	if f.zw != nil {
		f.zw.Reset(io.Discard) // so that the pool does not keep out alive
		gzipWriters.Put(f.zw)
		f.zw = nil
	}
	<-gzipFeedSlots
}
