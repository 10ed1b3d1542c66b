package main

import (
	"bufio"
	"compress/gzip"
	"io"
)

// gzipMemberReader gunzips a body of gzip members one after another (RFC 1952
// §2.2), as gzip.Reader's multistream mode does, except that it returns
// the end of a member before it waits for the next member's header. On an
// event stream that compresses each event as a member of its own, the
// event must not wait for the next one to arrive.
type gzipMemberReader struct {
	src     *bufio.Reader // one buffer for every member, so that no bytes of the next are lost
	zr      *gzip.Reader
	between bool // a member has ended, and the next one's header is not read yet
}

// newGzipMemberReader reads the first member's header from r.
func newGzipMemberReader(r io.Reader) (*gzipMemberReader, error) {
	g := &gzipMemberReader{src: bufio.NewReader(r)}
	zr, err := gzip.NewReader(g.src)
	if err != nil {
		return nil, err
	}
	zr.Multistream(false)
	g.zr = zr
	return g, nil
}

// Read returns inflated bytes of the current member, or, once it has
// ended, of the next; io.EOF when the body ends after a member.
func (g *gzipMemberReader) Read(p []byte) (int, error) {
	for {
		if g.between {
			if err := g.zr.Reset(g.src); err != nil {
				return 0, err
			}
			g.zr.Multistream(false)
			g.between = false
		}
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		g.between = true
		if n > 0 {
			return n, nil
		}
	}
}
