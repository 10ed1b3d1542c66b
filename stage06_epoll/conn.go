//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// continueResponse is the interim answer to "Expect: 100-continue" (RFC 9110
// §10.1.1 and §15.2.1): it tells the client to go on and send the body. It
// is a constant rather than a Response because it is always the same bytes:
// a 1xx response has no content and no Content-Length (RFC 9110 §8.6).
const continueResponse = "HTTP/1.1 100 Continue\r\n\r\n"

// conn is one client connection. In the earlier stages its state lived in
// the local variables of a goroutine blocked in Read; here no goroutine
// waits for it, so everything it must remember from one event to the next
// is in this struct: the bytes not yet parsed, the bytes not yet sent, how
// far the current request has been parsed, its deadline, and where it is
// in its life.
type conn struct {
	loop *loop
	fd   int
	peer string

	in      []byte         // received, not yet consumed; nil when empty
	pending pendingRequest // how far the request at the front of in was parsed
	sink    bodySink       // where the body of that request goes, once its head is in
	out     []byte         // answered, not yet taken by the kernel; nil when empty

	// body is the rest of an answer's Stream, read a slice at a time into
	// out as the client takes what went before (see sendBody).
	body     io.ReadCloser
	bodyLeft int64
	// stream is the Feed being sent, if any (see stream.go).
	stream   *stream
	watching bool // write readiness is watched

	deadline time.Time // when the loop's sweep closes the connection
	waiting  string    // what it waits for until then, for the log

	requests int // requests answered, for the log
	// closeReason is what the log says when the connection closes, when
	// that is not a normal end: a refused request, say.
	closeReason error

	state   connState // where it is in its life
	stalled bool      // reading stopped for back-pressure; resume once out is written
	queued  bool      // on the loop's ready list
	eof     bool      // the poller reported the client's end of input
}

// connState is where a connection is in its life. It only moves forward,
// from connOpen towards connClosed, though it may skip a step.
type connState uint8

const (
	// connOpen reads requests and answers them. Write readiness is
	// watched whenever out is not empty.
	connOpen connState = iota
	// connClosing reads no more requests, and lingers once the answers
	// already in out are written.
	connClosing
	// connLingering has its write side shut; it reads and drops what the
	// client still sends, until the client closes or lingerTimeout
	// passes (see linger).
	connLingering
	// connClosed has its socket closed, and the loop has forgotten it.
	connClosed
)

// received handles bytes the loop has just read for this connection: it
// answers every whole request they complete, writes the answers, and
// keeps the rest.
//
// data is the loop's read buffer, which the next read overwrites. When no
// bytes were left over from before, which is the usual case, the requests
// are parsed straight from it, and only an incomplete request at the end
// is copied: a connection owns a buffer only while a request is arriving.
// That buffer is bounded by the parser's limits: an incomplete request
// that grows past them is refused, as soon as it does.
func (c *conn) received(data []byte) {
	fresh := len(c.in) == 0
	if fresh {
		if len(c.out) == 0 && !c.pending.headDone() && c.stream == nil {
			c.setDeadline(c.loop.cfg.headerTimeout, "reading a request head")
		}
		c.in = data
	} else {
		c.in = append(c.in, data...)
	}
	c.serve()
	c.loop.flush(c) // one write for every answer this read brought
	if fresh {
		c.in = bytes.Clone(c.in)
	}
}

// serve answers every whole request at the front of c.in, in order, and
// stops at the first one that has not all arrived: the event loop's
// version of serveRequests in the earlier stages, which looped over
// ReadRequestHead, ReadBody and the handler on a blocking connection.
//
// The answers are queued in c.out, for flush to write. serve stops while
// more than maxPendingOutput bytes of them wait, and while a body or a
// stream is being sent; flush calls it again once they are written.
func (c *conn) serve() {
	for len(c.in) > 0 && c.state == connOpen && len(c.out) < maxPendingOutput && c.body == nil && c.stream == nil {
		headBefore := c.pending.headDone()
		req, n, err := c.pending.next(c.in, c.loop.input)
		c.in = c.in[n:]
		if err != nil {
			c.refuse(err)
			return
		}
		switch {
		case !headBefore && c.pending.headDone():
			c.headArrived()
		case headBefore && n > 0:
			// Bytes of the body: a client that keeps sending keeps its
			// connection, however long the body, as in stage 2.
			c.setDeadline(c.loop.cfg.idleTimeout, "reading a body")
		}
		if req == nil {
			if n == 0 {
				break // the rest has not arrived
			}
			continue
		}
		c.answer(req)
	}
	if len(c.in) == 0 {
		c.in = nil // free the buffer between requests
	}
}

// headArrived starts the wait for a body whose head is complete: the body
// gets idleTimeout from now, moved on by every byte of it that arrives,
// its sink is chosen (see bodies.go), and a client that waits for leave
// to send it (Expect: 100-continue) gets it. A client that sends its body
// without waiting needs no leave, and gets none.
func (c *conn) headArrived() {
	c.setDeadline(c.loop.cfg.idleTimeout, "reading a body")
	c.sink = c.loop.chooseSink(c.pending.req)
	c.pending.sink = c.sink
	if len(c.in) == 0 && c.pending.req.ExpectsContinue() {
		io.WriteString(c, continueResponse)
	}
}

// answer runs the handler on req and queues its response. Handlers run
// here, on the loop, so a slow handler delays every connection of the loop
// (see the package comment).
func (c *conn) answer(req *Request) {
	req.RemoteAddr = c.peer
	start := time.Now()
	resp := c.loop.cfg.handler(req)
	c.loop.logAccess(req, resp, time.Since(start))
	c.closeSink() // the handler has read what it wanted of the body
	keepAlive := req.KeepAlive()
	// A handler may close the connection too: recoverer does after a
	// panic.
	resp.Close = resp.Close || !keepAlive
	// An HTTP/1.0 client only keeps the connection if it hears so
	// (RFC 9112 Appendix C.2.2).
	resp.KeepAlive = keepAlive && req.Version == "HTTP/1.0"
	// Whatever answered, a response to HEAD has no body: the client
	// would read one as the start of the next response (RFC 9112 §6.3).
	resp.Head = req.Method == "HEAD"
	frameFeed(req, resp)
	c.requests++
	c.send(resp)
	if resp.Close && c.stream == nil { // a stream closes when it ends
		c.closeWhenWritten()
	}
	// Answered: the next request may reuse req, and resp, if it is req's
	// reply, with it.
	c.loop.input.recycle(req)
}

// streamSlice is how much of a Stream sendBody reads at a time.
const streamSlice = 64 << 10

// send queues resp, appended to c.out: the head, then the body. A body in
// a Stream, a file, is not read now: once the head is written, sendBody
// reads it a slice at a time, each when the client has taken the one
// before, so that a client that is slow, or stops reading, costs a slice
// and not the file. serve answers no further request until the body is
// all sent, since answers go out in order.
func (c *conn) send(resp *Response) {
	c.out = resp.appendHead(c.outBuffer())
	switch {
	case resp.Head || !hasContent(resp.Status):
		resp.release() // no body on the wire
	case resp.Feed != nil:
		c.startStream(resp)
	case resp.Stream == nil:
		c.out = append(c.out, resp.Body...)
	default:
		c.body, c.bodyLeft = resp.Stream, resp.StreamSize
	}
}

// sendBody queues the next slice of the body being sent, read straight
// into c.out, once everything before it is written. flush calls it each
// time c.out is.
func (c *conn) sendBody() error {
	if c.body == nil || len(c.out) > 0 {
		return nil
	}
	if c.bodyLeft == 0 {
		c.endBody()
		return nil
	}
	buf := slices.Grow(c.outBuffer(), streamSlice)
	n, err := c.body.Read(buf[:min(streamSlice, c.bodyLeft)])
	if n == 0 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // the file is shorter than it said
		}
		return fmt.Errorf("sending a body: %w", err)
	}
	c.out = buf[:n]
	c.bodyLeft -= int64(n)
	return nil
}

// endBody closes the body being sent, if any.
func (c *conn) endBody() {
	if c.body != nil {
		c.body.Close()
	}
	c.body = nil
}

// refuse answers a request that can never be valid, as the earlier stages
// do: a *StatusError gets its status and a JSON explanation,
// {"error": "..."}, then the connection closes, because after bad framing
// the server no longer knows where the next request would start (RFC 9112
// §6.3).
func (c *conn) refuse(err error) {
	var se *StatusError
	if !errors.As(err, &se) {
		c.loop.closeConn(c, err)
		return
	}
	c.dropInput()
	resp := statusErrorJSON(se)
	resp.Close = true
	c.send(resp)
	c.closeReason = fmt.Errorf("%w -> %d", err, se.Status)
	c.closeWhenWritten()
}

// closeWhenWritten stops reading requests, and closes the connection once
// the answers already queued are written.
func (c *conn) closeWhenWritten() {
	c.state = connClosing
	if len(c.out) == 0 {
		c.loop.linger(c)
	}
}

// peerClosed handles the end of the client's input. The requests it sent
// whole have been answered; a request it left incomplete gets no answer.
// Answers still queued are written before the connection closes, since the
// client may have shut only its sending side.
func (c *conn) peerClosed() {
	if len(c.in) > 0 && c.state == connOpen {
		c.closeReason = errors.New("client closed in the middle of a request")
	}
	c.dropInput()
	if len(c.out) > 0 && c.state == connOpen {
		c.state = connClosing
		return
	}
	c.loop.closeConn(c, nil)
}

// dropInput forgets the bytes received and not answered, and how far the
// request at their front was parsed, with what was kept of its body: no
// request will be read from them.
func (c *conn) dropInput() {
	c.in, c.pending = nil, pendingRequest{}
	c.closeSink()
}

// closeSink frees what the sink of the current request's body holds.
func (c *conn) closeSink() {
	if c.sink != nil {
		c.sink.close()
		c.sink = nil
	}
}

// Write queues p for the client, behind what is queued already: the
// answers of the earlier stages went through an io.Writer, and on the loop
// that is c. It never blocks and never fails: the loop writes c.out once
// it has answered what a read brought (flush).
func (c *conn) Write(p []byte) (int, error) {
	c.out = append(c.outBuffer(), p...)
	return len(p), nil
}

// outBuffer returns c.out to append to. When nothing is queued, that is
// the loop's spare output buffer, which c gives back once it is written:
// like an input buffer, an output buffer belongs to a connection only
// while it has something to send.
func (c *conn) outBuffer() []byte {
	if c.out == nil {
		c.out, c.loop.spareOut = c.loop.spareOut, nil
		if c.out == nil {
			c.out = make([]byte, 0, outBufferSize)
		}
	}
	return c.out
}

// releaseOut gives c.out, all written, back to the loop for the next
// connection that has something to send, unless it has grown too large to
// keep.
func (c *conn) releaseOut() {
	if cap(c.out) <= 2*streamSlice {
		c.loop.spareOut = c.out[:0]
	}
	c.out = nil
}

// watchWrite turns the watch for write readiness on or off, telling the
// poller only when that changes.
func (c *conn) watchWrite(on bool) error {
	if c.watching == on {
		return nil
	}
	c.watching = on
	return c.loop.poller.setWrite(c.fd, on)
}

// writeSome writes as much of p as the socket takes now, without waiting:
// 0 bytes and no error means its send buffer is full.
func writeSome(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, nil
		}
		return 0, err
	}
}

// wrote records that the client took some of the pending output: a client
// that keeps reading keeps its connection, however long the answer, while
// one that stops reading for idleTimeout loses it, as with nginx's
// send_timeout, and as stage 2's progressConn does for a goroutine; here a
// slow reader costs only its pending bytes, not a goroutine. A shutdown
// is bounded by shutdownTimeout instead.
func (c *conn) wrote() {
	c.setDeadline(c.loop.cfg.idleTimeout, "writing an answer")
}

// rearm sets the deadline for what the connection waits for once every
// answer is written: the rest of a request already started, or the next
// request. During a shutdown, that is when a connection that has answered
// everything it received closes (settle).
func (c *conn) rearm() {
	switch {
	case c.pending.headDone():
		// A body is arriving; its deadline moves as it does.
	case len(c.in) > 0:
		c.setDeadline(c.loop.cfg.headerTimeout, "reading a request head")
	default:
		c.setDeadline(c.loop.cfg.idleTimeout, "waiting for a request")
	}
	if c.loop.draining {
		c.loop.settle(c, true)
	}
}

// setDeadline gives the connection d from now to get what it waits for.
func (c *conn) setDeadline(d time.Duration, waiting string) {
	c.deadline = c.loop.now.Add(d)
	c.waiting = waiting
}
