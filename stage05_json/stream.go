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
// Here the connection waits for the wake in its goroutine. An event loop
// (stage 6) keeps no goroutine per stream: it waits for every stream's
// wake at once, as it waits for every socket's input.

import (
	"bufio"
	"errors"
	"os"
	"strconv"
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

// errClientGone means the client closed its side of the connection while
// a stream was being sent to it: the usual end of an event stream, not a
// fault.
var errClientGone = errors.New("the client closed the connection during a stream")

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

// sendResponse writes resp on the connection: streamed if it has a Feed
// to stream, else whole.
func sendResponse(pc *progressConn, br *bufio.Reader, bw *bufio.Writer, resp *Response, conns *connSet) error {
	if !resp.streams() {
		return writeResponse(bw, resp)
	}
	return streamFeed(pc, br, bw, resp, conns)
}

// streamFeed sends a response whose body is a Feed: the head at once,
// then, each time the feed wakes the connection, what it has ready as one
// chunk, flushed, so that an event reaches the client when it happens and
// not when a buffer fills; and at the end the last chunk. It ends when
// the feed does, when the client closes (errClientGone), or, promptly,
// when the server shuts down: a stream has no end of its own, and would
// otherwise hold the shutdown for its whole grace period. Writes have
// their deadlines by progress (deadline.go), so a client that stops
// reading loses the connection after idleTimeout, and between two chunks
// there is no deadline at all.
func streamFeed(pc *progressConn, br *bufio.Reader, bw *bufio.Writer, resp *Response, conns *connSet) error {
	feed := resp.Feed
	defer feed.Close()
	bw.Write(resp.appendHead(nil))
	if err := bw.Flush(); err != nil {
		return err
	}
	woken := make(chan struct{}, 1)
	wake := func() {
		select {
		case woken <- struct{}{}:
		default: // a wake is pending already
		}
	}
	defer conns.streaming(pc.Conn, wake)()
	gone, unwatch := watchClose(pc, br)
	defer unwatch()
	feed.Start(wake)
	var buf []byte
	for {
		stopping, done := conns.stopped(), false
		buf, done = feed.Next(buf[:0], stopping)
		if err := writeChunk(bw, buf, resp.Chunked); err != nil {
			return err
		}
		if done || stopping {
			return endChunks(bw, resp.Chunked)
		}
		select {
		case <-woken:
		case <-gone:
			return errClientGone
		}
	}
}

// writeChunk writes p as one chunk, or as it is when the body runs to the
// close, and flushes it. An empty p writes nothing: a chunk of size 0
// would end the body.
func writeChunk(bw *bufio.Writer, p []byte, chunked bool) error {
	if len(p) == 0 {
		return nil
	}
	if chunked {
		bw.WriteString(strconv.FormatInt(int64(len(p)), 16))
		bw.WriteString("\r\n")
	}
	bw.Write(p)
	if chunked {
		bw.WriteString("\r\n")
	}
	return bw.Flush()
}

// lastChunk ends a chunked body: the chunk of size 0, no trailer fields,
// and the empty line after them (RFC 9112 §7.1).
const lastChunk = "0\r\n\r\n"

// endChunks ends a streamed body: with the last chunk, or, when the body
// runs to the close, with nothing, since the close that follows ends it.
func endChunks(bw *bufio.Writer, chunked bool) error {
	if chunked {
		bw.WriteString(lastChunk)
	}
	return bw.Flush()
}

// watchClose watches the read side of the connection while a stream is
// sent, and closes gone when the client has closed it. The connection's
// goroutine cannot do it: it waits for the feed, and would learn that the
// client left only when a write failed, one heartbeat or two later. So a
// second goroutine waits in a Peek, which leaves any bytes that arrive
// (a request sent behind the stream) in br for the serve loop; with no
// deadline, since a client may listen for hours. stop ends the watch, and
// returns once br is the serve loop's again.
func watchClose(pc *progressConn, br *bufio.Reader) (gone <-chan struct{}, stop func()) {
	pc.byProgress = false // no read gets a deadline but the one stop sets
	pc.SetReadDeadline(time.Time{})
	closed := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := br.Peek(1); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			close(closed)
		}
	}()
	return closed, func() {
		pc.SetReadDeadline(time.Now())
		<-done
	}
}
