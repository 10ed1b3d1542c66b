package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// incrementalCorpus holds one request each, valid or not, with the ways a
// request can be cut or broken: heads, both framings, chunk extensions and
// trailers, and every error the parser reports, early or late.
var incrementalCorpus = []string{
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /echo/abc?x=1 HTTP/1.1\r\nHost: localhost:4221\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n",
	"\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nX:  spaced \t\r\nEmpty:\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
	"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nGET / HTTP/1",
	"PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
	"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n\r\n\r\r\n0 ;\text\r\n\r\n",
	"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	// Errors found as soon as the offending byte arrives.
	"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
	"HELLO\r\n\r\n",
	"GET / HTTP/1.1\nHost: x\n\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x00b\r\n\r\n",
	"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", MaxHeaderBytes) + "\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
	// Chunked bodies broken at each place the scan looks.
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;\x00\r\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;" + strings.Repeat("e", maxChunkLineBytes) + "\r\nhello\r\n0\r\n\r\n",
	fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n", MaxBodyBytes+1),
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nbad trailer\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nT: a\x01\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nT: " + strings.Repeat("t", MaxHeaderBytes) + "\r\n\r\n",
}

// testInput is the input the parser runs on in these tests, shared as a
// loop shares it, and stage5Src the reader stage 5's parser runs on. The
// tests do not run in parallel.
var (
	testInput = newInput(nil)
	stage5Src = newStage5Input()
)

// withNext returns the corpus twice: as it is, and with the start of a
// pipelined request after each request, which must wait, and must not
// change how the request before it is parsed.
func withNext(corpus []string) []string {
	all := append([]string(nil), corpus...)
	for _, in := range corpus {
		all = append(all, in+"GET /next HTTP/1.1\r\nHo")
	}
	return all
}

// outcome is what a parse of some bytes decided, in a form tests compare.
type outcome struct {
	req *Request
	n   int    // bytes the request took
	err string // the error, "" when there is none
}

func (o outcome) incomplete() bool { return o.req == nil && o.err == "" }

// wholeParse runs stage 5's blocking parser over in, as if the connection
// ended there, and translates running out of bytes into "incomplete": the
// reference that stage 6's parser, reading the loop's buffer, must match.
func wholeParse(in []byte) outcome {
	src := stage5Src
	req, err := stage5ReadRequest(src.reset(in))
	switch {
	case incomplete(err):
		return outcome{}
	case err != nil:
		return outcome{err: err.Error()}
	}
	return outcome{req: req, n: src.consumed()}
}

// driver calls next the way a connection does, on a buffer that only
// grows: it drops what next takes by remembering how far it got, takes a
// body into memory (next's sink when none is chosen), and calls next
// again while it makes progress.
type driver struct {
	p    pendingRequest
	took int // bytes of the buffer next has taken
}

// feed hands next the bytes of in after those it took, and returns what it
// decided: a request, with the bytes it took in all, an error, or a wait.
func (d *driver) feed(in []byte) outcome {
	for {
		req, n, err := d.p.next(in[d.took:], testInput)
		d.took += n
		switch {
		case err != nil:
			return outcome{err: err.Error()}
		case req != nil:
			o := outcome{req: fresh(req), n: d.took}
			d.took = 0
			return o
		case n == 0:
			return outcome{}
		}
	}
}

// TestIncrementalEveryPrefix feeds each request one byte at a time and
// checks that after every byte the incremental parser decides exactly
// what stage 5's parser decides over the same bytes: wait, refuse (with
// the same error, at the same byte) or accept (the same request).
func TestIncrementalEveryPrefix(t *testing.T) {
	for _, in := range withNext(incrementalCorpus) {
		var d driver
		for k := 0; k <= len(in); k++ {
			got, want := d.feed([]byte(in[:k])), wholeParse([]byte(in[:k]))
			require.Equal(t, want, got, "%q cut after %d bytes", in, k)
			if !want.incomplete() {
				break
			}
		}
	}
}

// TestIncrementalCutAnywhere sends each request in two pieces, cut at every
// offset, and checks that the result is the same as in one piece. In the
// few requests of several KiB, the middle, one long field or chunk
// extension, is cut at every 37th byte only, to keep the test fast.
func TestIncrementalCutAnywhere(t *testing.T) {
	for _, in := range withNext(incrementalCorpus) {
		whole := wholeParse([]byte(in))
		for cut := 0; cut <= len(in); cut++ {
			if cut > 512 && cut < len(in)-512 && cut%37 != 0 {
				continue
			}
			var d driver
			got := d.feed([]byte(in[:cut]))
			if got.incomplete() {
				got = d.feed([]byte(in))
			}
			require.Equal(t, whole, got, "%q cut at %d", in, cut)
		}
	}
}

// TestIncrementalPipelined puts several requests in one buffer, as one read
// of a pipelining client returns them, and takes them out in order; the
// half request at the end waits for the rest.
func TestIncrementalPipelined(t *testing.T) {
	in := []byte("GET /echo/first HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /echo/x" +
		"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
		"GET /echo/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
		"GET /echo/half HTTP/1.1\r\nHo")
	var d driver
	var got []string
	for {
		o := d.feed(in)
		require.Empty(t, o.err)
		if o.req == nil {
			break
		}
		got = append(got, o.req.Method+" "+o.req.Path+" "+string(o.req.Body))
		in = in[o.n:]
	}
	assert.Equal(t, []string{"GET /echo/first ", "POST /nowhere GET /echo/x", "POST /up hello", "GET /echo/last "}, got)
	assert.Equal(t, "GET /echo/half HTTP/1.1\r\nHo", string(in), "the incomplete request stays")

	in = append(in, "st: x\r\n\r\n"...)
	o := d.feed(in)
	require.Empty(t, o.err)
	require.NotNil(t, o.req)
	assert.Equal(t, "/echo/half", o.req.Path)
	assert.Equal(t, len(in), o.n)
}

// TestIncrementalHeadDone checks the moment the body's sink is chosen and
// Expect: 100-continue answered: next returns once the head is complete,
// having taken it, and takes the body as it arrives.
func TestIncrementalHeadDone(t *testing.T) {
	head := "PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
	var p pendingRequest
	req, n, err := p.next([]byte(head[:len(head)-1]), newInput(nil))
	require.NoError(t, err)
	assert.Nil(t, req)
	assert.Zero(t, n, "half a head waits")
	assert.False(t, p.headDone())

	req, n, err = p.next([]byte(head+"bo"), newInput(nil))
	require.NoError(t, err)
	assert.Nil(t, req)
	assert.Equal(t, len(head), n, "the head, taken; the body not yet")
	require.True(t, p.headDone())
	assert.True(t, p.req.ExpectsContinue())
	sink := &memorySink{}
	p.sink = sink

	req, n, err = p.next([]byte("bo"), newInput(nil))
	require.NoError(t, err)
	assert.Nil(t, req)
	assert.Equal(t, 2, n, "half the body, taken")
	assert.Equal(t, "bo", string(sink.buf))

	req, n, err = p.next([]byte("dyGET"), newInput(nil))
	require.NoError(t, err)
	require.NotNil(t, req)
	assert.Equal(t, "body", string(req.Body))
	assert.Equal(t, 2, n, "the rest of the body, and not a byte of what follows")
	assert.False(t, p.headDone(), "reset for the next request")
}

// TestIncrementalTrickleIsLinear sends a long head and a large chunked body
// in small pieces and measures the parser's work over all its attempts: it
// must stay a small multiple of the request's size, not grow with its
// square. The parser copies every byte it reads, a line into a string, a
// body into its buffer, so the bytes allocated while the request arrives
// measure that work, without a counter in the code under test. The line
// cache is off for it: a line parsed again would cost no copy, and hide
// the work.
func TestIncrementalTrickleIsLinear(t *testing.T) {
	lines := testInput.lines
	testInput.lines = nil
	defer func() { testInput.lines = lines }()
	var b strings.Builder
	b.WriteString("POST /up HTTP/1.1\r\nHost: x\r\n")
	for i := 0; i < 100; i++ {
		b.WriteString("X-Filler: abcdefghijklmnopqrstuvwxyz\r\n")
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	chunk := strings.Repeat("z", 1000)
	for i := 0; i < 1000; i++ {
		b.WriteString("3e8\r\n" + chunk + "\r\n")
	}
	b.WriteString("0\r\nT: v\r\n\r\n")
	in := []byte(b.String())

	var d driver
	var o outcome
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// The loop calls nothing that allocates but the parser: the checks
	// wait until after it.
	for k := 7; o.req == nil && o.err == "" && k < len(in)+7; k += 7 { // 7 bytes per read
		o = d.feed(in[:min(k, len(in))])
	}
	runtime.ReadMemStats(&after)
	require.Empty(t, o.err)
	require.NotNil(t, o.req, "never completed")
	assert.Equal(t, len(in), o.n)
	assert.Len(t, o.req.Body, 1000*1000)
	// Head: parsed about once per line; body: once, into a buffer that
	// doubles as it grows. Anything quadratic would be hundreds of times
	// the input.
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(8*len(in)), "bytes allocated while a %d-byte request arrived", len(in))
	t.Logf("%d bytes allocated while a %d-byte request arrived 7 bytes at a time", allocated, len(in))
}

// FuzzIncremental checks the incremental parser, reading the loop's
// buffer, against stage 5's, reading a bufio.Reader, on any bytes,
// arriving in pieces of any sizes: the same requests, in the same order,
// taking the same bytes, then the same error or the same wait for more.
// The reference reads the requests one after another from one reader, as
// the earlier stages' serve loop does. This is the proof that parsing from
// the buffer changed no framing; run it with
//
//	go test -run '^$' -fuzz FuzzIncremental -fuzztime 5m ./stage06_epoll
func FuzzIncremental(f *testing.F) {
	for i, s := range withNext(incrementalCorpus) {
		f.Add([]byte(s+s), []byte{byte(i), 1, 7, 200})
	}
	f.Fuzz(func(t *testing.T, data, pieces []byte) {
		var want []outcome
		for rest := data; len(rest) > 0; {
			o := wholeParse(rest)
			if o.incomplete() {
				break
			}
			want = append(want, o)
			if o.err != "" {
				break
			}
			rest = rest[o.n:]
		}

		var got []outcome
		var d driver
		var in []byte
		fed := 0
	feeding:
		for i := 0; fed < len(data); i++ {
			size := 1
			if len(pieces) > 0 {
				size = int(pieces[i%len(pieces)]) + 1
			}
			in = append(in, data[fed:min(fed+size, len(data))]...)
			fed = min(fed+size, len(data))
			for {
				o := d.feed(in)
				if o.err != "" {
					got = append(got, o)
					break feeding
				}
				if o.req == nil {
					break
				}
				got = append(got, o)
				in = in[o.n:]
			}
		}
		require.Equal(t, want, got)
	})
}

// TestIncrementalChunkExtensionsCountAsBody sends a chunked body of tiny
// chunks with long extensions, too large once the size lines count as
// body, in 1000-byte pieces: the incremental parser refuses it with
// stage 2's error, as soon as stage 2's parser would.
func TestIncrementalChunkExtensionsCountAsBody(t *testing.T) {
	in := []byte(extensionFlood())

	var d driver
	for k := 1000; ; k += 1000 {
		require.Less(t, k, len(in), "never refused")
		got := d.feed(in[:k])
		if got.incomplete() {
			continue
		}
		assert.Equal(t, wholeParse(in[:k]), got)
		assert.True(t, wholeParse(in[:k-1000]).incomplete(), "refused no later than stage 2 would")
		assert.Contains(t, got.err, ErrBodyTooLarge.Error())
		break
	}
}

// TestLineCache checks the loop's line cache: a line seen before costs no
// allocation, a long one is not kept, and a full cache starts again.
func TestLineCache(t *testing.T) {
	lc := lineCache{}
	host := []byte("Host: example.com")
	assert.Equal(t, "Host: example.com", lc.get(host))
	assert.Zero(t, testing.AllocsPerRun(100, func() { lc.get(host) }), "a line seen before")

	long := []byte(strings.Repeat("a", maxCachedLine+1))
	assert.Equal(t, string(long), lc.get(long))
	assert.Len(t, lc, 1, "a long line is not kept")

	for i := len(lc); i < maxCachedLines; i++ {
		lc.get(fmt.Appendf(nil, "X-Line: %d", i))
	}
	assert.Len(t, lc, maxCachedLines)
	lc.get([]byte("X-Line: one more"))
	assert.Len(t, lc, 1, "full: it starts again")
}

// TestRecycledRequestIsEmpty checks that a request parsed into a recycled
// Request sees nothing of the one before it: only the storage of its
// slices is kept, and a Request that grew too many fields is not kept.
func TestRecycledRequestIsEmpty(t *testing.T) {
	in := newInput(nil)
	first, err := ReadRequestHead(in.reset([]byte("POST /echo/abc?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: first\r\nContent-Length: 2\r\n\r\n")))
	require.NoError(t, err)
	first.Params = append(first.Params, Param{Key: "msg", Value: "abc"})
	first.Body, first.RemoteAddr = []byte("hi"), "127.0.0.1:1"
	first.textReply(200, "first")
	in.recycle(first)

	second, err := ReadRequestHead(in.reset([]byte("GET / HTTP/1.0\r\n\r\n")))
	require.NoError(t, err)
	assert.Same(t, first, second, "the answered Request is parsed into again")
	assert.Equal(t, []string{"GET", "/", "/", "", "HTTP/1.0", ""},
		[]string{second.Method, second.Target, second.Path, second.RawQuery, second.Version, second.RemoteAddr})
	assert.Empty(t, second.Header)
	assert.Empty(t, second.Params)
	assert.Nil(t, second.Body)
	assert.Zero(t, second.contentLength)
	assert.Empty(t, second.reply(204).Header, "the reply starts without the last one's fields")
	assert.Positive(t, cap(second.Header), "the fields' storage is kept")

	many := "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", maxKeptFields) + "\r\n"
	big, err := ReadRequestHead(in.reset([]byte(many)))
	require.NoError(t, err)
	in.recycle(big)
	again, err := ReadRequestHead(in.reset([]byte("GET / HTTP/1.0\r\n\r\n")))
	require.NoError(t, err)
	assert.NotSame(t, big, again, "a Request with room for more than maxKeptFields is not kept")
}
