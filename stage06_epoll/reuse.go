package main

import "strings"

// This file holds what lets a loop answer a small keep-alive request
// without allocating: the loop parses every request into one Request,
// recycled once it is answered, whose slices keep the room they grew; the
// strings of lines it has seen before are kept, not made again; and
// fields are counted and searched where they are, not collected. Stage 5
// allocates all of these for every request, and its garbage collector
// takes them back; chapter 6's "What a request costs" measures the price.

// lineCache holds the strings of the lines a loop has parsed. A line in
// the loop's buffer becomes a string, which Request and Header hold, and
// making a string copies the bytes into memory of its own. But most lines
// come again and again, in the next request and from the next client:
// "Host: example.com", "Accept: */*", a browser's User-Agent, the request
// line of a page everyone asks for. So the loop keeps the strings it made,
// by their bytes, and a line it has seen before costs a map lookup and no
// copy. (Go makes no string to look a map up by string(b).)
//
// The cache is bounded: it keeps lines of up to maxCachedLine bytes, and
// starts again empty once it holds maxCachedLines, so that a client
// sending lines never seen before costs a copy each, as in stage 5, and a
// few hundred kilobytes of cache at most.
type lineCache map[string]string

const (
	maxCachedLine  = 256
	maxCachedLines = 1024
)

// get returns b as a string: the one made for the same bytes before, if
// the cache has it.
func (lc lineCache) get(b []byte) string {
	if s, ok := lc[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(b) <= maxCachedLine && lc != nil {
		if len(lc) >= maxCachedLines {
			clear(lc)
		}
		lc[s] = s
	}
	return s
}

// request returns the Request for the parser to fill: the input's spare,
// emptied, or a new one, which becomes the spare. A head that is not all
// there fills the spare in vain, and the next attempt empties it again;
// a whole head takes it (ReadRequestHead), and the loop gives it back once
// it has answered the request (recycle). So while requests are answered
// as they arrive, as on a keep-alive connection, every request of a loop
// is parsed into the same Request, and into the storage its Header and
// Params grew for the ones before.
func (in *input) request() *Request {
	if in.spare == nil {
		in.spare = &Request{}
	}
	in.spare.reset()
	return in.spare
}

// maxKeptFields is the most fields a Request may have room for and still
// be recycled: a browser sends about twenty, and a request that made room
// for many more is left to the garbage collector rather than kept.
const maxKeptFields = 64

// recycle gives back req, answered, for the next request the loop parses,
// unless the input has a spare already (a connection took one while its
// body arrived, say) or req has grown past maxKeptFields. The handlers
// have returned by then, and nothing of req outlives them: what they
// keep, they copy (see Request).
func (in *input) recycle(req *Request) {
	if in.spare == nil && cap(req.Header) <= maxKeptFields {
		req.reset()
		in.spare = req
	}
}

// reset empties r for the next request, keeping the storage of its header
// fields, its path parameters and its reply's body, so that filling them
// again allocates nothing once they have grown to what the loop's
// requests need. (The reply's body is at most a header section long: the
// longest text a reply copies is a path segment or a field value.)
func (r *Request) reset() {
	*r = Request{
		Header:       r.Header[:0],
		Params:       r.Params[:0],
		replyStorage: replyStorage{body: r.replyStorage.body[:0]},
	}
}

// count returns how many fields are called name: the length of Values,
// without the slice Values makes.
func (h Header) count(name string) int {
	n := 0
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// hasToken reports whether the fields called name list token among their
// comma-separated elements (RFC 9110 §5.6.1), compared case-insensitively,
// as the Connection, Expect and Vary fields need (RFC 9110 §7.6.1,
// §10.1.1, §12.5.5). It reads the elements where they are: Values and
// splitList would make two slices for every request with a Connection
// field, as a browser's has.
func (h Header) hasToken(name, token string) bool {
	for _, f := range h {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		for e := range strings.SplitSeq(f.Value, ",") {
			if strings.EqualFold(strings.Trim(e, " \t"), token) {
				return true
			}
		}
	}
	return false
}
