//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

// Streaming: a response whose body is produced while it is sent, such as
// the events of GET /events, which go on until the client leaves. Every
// other answer of this server knows its length before its first byte
// leaves, and says it in Content-Length; a stream cannot. HTTP/1.1 frames
// such a body with the chunked transfer coding (RFC 9112 §7.1): each
// piece goes out as a chunk, its size in hex, a CRLF, the bytes and a
// CRLF, as soon as it exists, and a chunk of size 0 ends the body, so the
// connection can carry the next request after it.
//
// The body is pulled, never pushed. A handler does not get a writer to
// block on for as long as the stream lasts; it returns a Feed, and the
// connection asks the feed for what it has whenever the feed wakes it.
// In stage 5 the connection's goroutine waited for the wake. Here no
// goroutine waits: a stream is a connection with output to come and
// nothing to read, and the loop waits for every stream's wake at once, as
// it waits for every socket's input.
//
// A wake may come from anywhere: from a handler on another loop, which
// published an event, or from the hub's heartbeat timer. It cannot touch
// the connection, which belongs to its loop's goroutine alone, so it
// posts the stream to its loop's queue and wakes that loop's poller (an
// eventfd on Linux), once for every wake of the turn. The loop, after its
// sockets, takes the queue and, for each stream on it, pulls what the
// feed has into the connection's output, as one chunk, and writes it like
// any answer. Publishing an event to ten thousand subscribers costs a
// wake of each loop and a copy into each output buffer; no goroutine, no
// buffer of its own per subscriber.
//
// The bound on a client that stops reading is the loop's back-pressure:
// while maxPendingOutput bytes wait for the client, the loop pulls
// nothing more, the wake is kept for when they are written, and the feed
// holds what is ready (the hub drops a subscriber that falls too far
// behind). The output waits for the client for idleTimeout, as any
// answer's does; between two chunks there is no deadline at all.

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Feed is a response body produced while it is sent, whose length nobody
// knows until it ends. The connection that sends it calls Start once,
// then Next, then Next again each time the feed has called wake, and
// Close once at the end, whether the feed ended or not (the client left,
// the server is stopping). The feed never blocks the connection: Next
// returns at once with what is ready, maybe nothing, and wake, which the
// feed may call from any goroutine and more often than needed, only
// signals.
type Feed interface {
	// Start hands the feed the function that wakes its connection.
	Start(wake func())
	// Next appends to p what the feed has ready and returns it, and
	// reports whether the feed has ended; p then holds its last bytes.
	// With end set, the connection is ending the stream before the feed
	// has (the server is stopping): the feed appends what is ready and
	// what ends it, such as gzip's trailer, and has ended.
	Next(p []byte, end bool) ([]byte, bool)
	// Close releases what the feed holds.
	Close()
}

// frameFeed decides how resp's Feed, if it has one, reaches the client of
// req: chunked for HTTP/1.1; for HTTP/1.0, which has no chunked coding
// (a server must not send it Transfer-Encoding, RFC 9112 §6.1), the body
// runs to the close, which alone can tell its end (RFC 9112 §6.3).
func frameFeed(req *Request, resp *Response) {
	if resp.Feed == nil {
		return
	}
	resp.Chunked = req.Version != "HTTP/1.0"
	if !resp.Chunked && resp.streams() {
		resp.Close = true
	}
}

// streams reports whether resp has a Feed to stream: not in answer to
// HEAD, and not with a status that has no content.
func (r *Response) streams() bool {
	return r.Feed != nil && !r.Head && hasContent(r.Status)
}

// lastChunk ends a chunked body: the chunk of size 0, no trailer fields,
// and the empty line after them (RFC 9112 §7.1).
const lastChunk = "0\r\n\r\n"

// betweenChunks is the deadline of a stream with nothing to send: none, in
// effect. A client may listen for hours between two events; one that has
// gone is seen by the poller, and one whose network has gone by the
// writes of the heartbeat, which then wait for idleTimeout.
const betweenChunks = 100 * 365 * 24 * time.Hour

// stream is the Feed a connection is sending, and what the loop knows of
// it. Only posted is touched by other goroutines.
type stream struct {
	conn    *conn
	feed    Feed
	chunked bool // framed in chunks; else the body runs to the close
	close   bool // the connection closes once the stream has ended
	// woken says the feed woke the connection while maxPendingOutput
	// bytes were waiting for the client: pull once they are written.
	woken bool
	// posted says the stream is on its loop's wake queue, so that a
	// hundred events in one turn post it once.
	posted atomic.Bool
}

// streamWakes is a loop's queue of the streams whose feeds woke them: the
// one part of a loop that other goroutines change.
type streamWakes struct {
	mu     sync.Mutex
	queue  []*stream
	spare  []*stream // the queue served last, emptied, for the next swap
	closed bool      // the loop has stopped: its poller is gone
}

// startStream begins sending resp's Feed, whose head is queued already:
// it hands the feed a wake that posts to this loop, and pulls what the
// feed has at once, such as the events a client missed. serve answers no
// further request on the connection until the stream has ended.
func (c *conn) startStream(resp *Response) {
	s := &stream{conn: c, feed: resp.Feed, chunked: resp.Chunked, close: resp.Close}
	c.stream = s
	l := c.loop
	s.feed.Start(func() {
		if s.posted.CompareAndSwap(false, true) {
			l.post(s)
		}
	})
	c.pull()
}

// post puts s on the loop's wake queue, and wakes the loop if the queue
// was empty: a loop that is serving its sockets finds the queue when it
// is done with them. Any goroutine may call it.
func (l *loop) post(s *stream) {
	w := &l.wakes
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.queue = append(w.queue, s)
	if len(w.queue) == 1 {
		l.poller.wake()
	}
}

// serveStreams pulls, for each stream on the wake queue, what its feed
// has, and writes it. It runs once a turn, after the sockets. A
// connection that is closing, because its client has closed its side,
// only writes what it has already.
func (l *loop) serveStreams() {
	w := &l.wakes
	w.mu.Lock()
	queue := w.queue
	w.queue, w.spare = w.spare, nil
	w.mu.Unlock()
	for i, s := range queue {
		queue[i] = nil
		s.posted.Store(false) // a wake from now on posts it again
		if c := s.conn; c.stream == s && c.state == connOpen {
			c.pull()
			l.flush(c)
		}
	}
	w.spare = queue[:0]
}

// closeWakes stops the queue, for good, before the loop's poller closes.
func (l *loop) closeWakes() {
	l.wakes.mu.Lock()
	defer l.wakes.mu.Unlock()
	l.wakes.closed = true
	l.wakes.queue = nil
}

// pull queues what the feed has ready, as one chunk, and the end of the
// body once the feed has ended or the server is stopping. While
// maxPendingOutput bytes wait for the client it pulls nothing, and
// remembers the wake for when they are written (streamWritten): that is
// what bounds the memory a client that stops reading costs.
func (c *conn) pull() {
	s, l := c.stream, c.loop
	if len(c.out) >= maxPendingOutput {
		s.woken = true
		return
	}
	s.woken = false
	p, done := s.feed.Next(l.feedBuf[:0], l.draining)
	if len(p) > 0 {
		c.out = appendChunk(c.outBuffer(), p, s.chunked)
	}
	if cap(p) <= 2*streamSlice {
		l.feedBuf = p[:0]
	}
	if done || l.draining {
		c.finishStream()
	}
}

// appendChunk appends p as one chunk, or as it is when the body runs to
// the close.
func appendChunk(b, p []byte, chunked bool) []byte {
	if !chunked {
		return append(b, p...)
	}
	b = strconv.AppendInt(b, int64(len(p)), 16)
	b = append(b, "\r\n"...)
	b = append(b, p...)
	return append(b, "\r\n"...)
}

// finishStream ends the stream: the last chunk, or, when the body runs
// to the close, the close once it is written. The connection then goes
// on to the requests its client sent behind the stream.
func (c *conn) finishStream() {
	s := c.stream
	if s.chunked {
		c.out = append(c.outBuffer(), lastChunk...)
	}
	c.dropStream()
	if s.close {
		c.closeWhenWritten()
	}
}

// dropStream lets the feed go, sent to the end or not.
func (c *conn) dropStream() {
	if c.stream != nil {
		c.stream.feed.Close()
		c.stream = nil
	}
}

// streamWritten is what a stream does once all its output is written: it
// pulls what woke it meanwhile, or waits, without a deadline, for the next
// wake. It reports whether the connection is still sending a stream.
func (c *conn) streamWritten() bool {
	s := c.stream
	if s == nil {
		return false
	}
	c.setDeadline(betweenChunks, "the next chunk of a stream")
	if s.woken {
		c.pull()
	}
	return true
}

// streamInputFull reports whether a connection sending a stream holds as
// many bytes of requests sent behind it as it may, which wait until the
// stream ends: it reads no more until then.
func (c *conn) streamInputFull() bool {
	return c.stream != nil && len(c.in) >= maxPendingOutput
}

// endStreams ends every stream of the loop, when the server shuts down: a
// stream has no end of its own, and would otherwise hold the shutdown for
// its whole timeout. Each sends what its feed has ready and the last
// chunk, or, if its client has not read what went before, does so once it
// has; the shutdown timeout bounds that wait.
func (l *loop) endStreams() {
	for _, c := range l.conns {
		if c.stream != nil {
			c.pull()
			l.flush(c)
		}
	}
}
