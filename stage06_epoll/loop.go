//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// readBufferSize is the size of each loop's read buffer. Every read of
	// the loop lands there; a connection keeps bytes of its own only while
	// a request is incomplete, so an idle connection holds no buffer.
	readBufferSize = 64 << 10
	// maxReadsPerEvent caps the reads one connection gets in one turn.
	// Edge-triggered polling asks us to read until EAGAIN, but a client
	// that sends as fast as we read would then never let the loop go:
	// after this many reads the connection goes to the back of the ready
	// list and the others get their turn (gnet does the same).
	maxReadsPerEvent = 16
	// maxPendingOutput is how many bytes of answers may wait for a client
	// before the loop stops reading and answering its requests, until the
	// client has read them all. One answer may be larger; the limit keeps
	// more from queueing behind it. Without it, a client that pipelines
	// requests and never reads the answers would make the server buffer
	// answers without end; a goroutine per connection got this limit for
	// free, by blocking in Write.
	maxPendingOutput = 64 << 10
	// outBufferSize is the size a connection's output buffer starts at:
	// room for many small answers, and it grows for larger ones.
	outBufferSize = 4 << 10
	// eventsPerWait is how many ready sockets one wait returns at most;
	// more stay ready for the next.
	eventsPerWait = 256
	// lingerTimeout bounds how long a connection being closed reads and
	// drops what its client still sends; see linger.
	lingerTimeout = time.Second
	// drainWait bounds how long, once the server is shutting down, a
	// connection waits for the rest of a request it has begun to receive.
	// A request its client has sent arrives at once; one it is still
	// typing does not count.
	drainWait = 100 * time.Millisecond
)

// tooManyConns is the whole answer to a connection over -max-conns. It is
// written as soon as the connection is accepted, before its request is
// read, so it is a constant rather than a Response. Its body is the API's
// one error shape, {"error": "..."}, like every other error a client of
// this server can get.
//
// errTooManyConns is what the log says of such a connection.
const tooManyConns = "HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: application/json\r\n" +
	"Retry-After: 1\r\n" +
	"Content-Length: 33\r\n" +
	"Connection: close\r\n" +
	"\r\n" +
	`{"error":"too many connections"}` + "\n"

var errTooManyConns = errors.New("refused with 503: too many connections")

// loop is one event loop: a listening socket, a poller, and the
// connections accepted from that socket. Everything in it belongs to the
// goroutine running run; other goroutines only call poller.wake.
type loop struct {
	id     int
	srv    *server
	cfg    config
	lfd    int // the listening socket; -1 once shutdown has closed it
	poller poller
	conns  map[int]*conn // by file descriptor
	events []event
	buf    []byte // the read buffer all the loop's connections share
	input  *input // what the parser reads, pointed at each connection's bytes in turn
	// spareOut is an empty output buffer, for the next connection that
	// has an answer to queue; see conn.outBuffer.
	spareOut []byte
	wakes    streamWakes // the streams their feeds woke; see stream.go
	feedBuf  []byte      // what a feed's Next appends to

	// ready lists connections to read again at once, without waiting for
	// the poller: they were cut off by maxReadsPerEvent, or stopped
	// reading while their answers were pending, so input may wait in
	// their sockets that no new edge will announce.
	ready []*conn

	now       time.Time     // when the current wait returned; what deadlines count from
	tick      time.Duration // how often sweep looks for expired deadlines
	nextSweep time.Time
	// acceptPaused is set when accept ran out of file descriptors; sweep
	// tries again, since no new edge will come for the connections
	// already waiting.
	acceptPaused bool
	draining     bool      // shutting down: no more accepts, close when answered
	drainBy      time.Time // when a shutdown gives up on the connections left
	logs         []byte    // log lines of this turn, not yet written; see looplog.go
	stamp        []byte    // l.now as the log writes it, formatted at stampTime
	stampTime    time.Time
}

func newLoop(srv *server, id, lfd int, cfg config) (*loop, error) {
	p, err := newPoller()
	if err != nil {
		return nil, err
	}
	if err := p.addRead(lfd); err != nil {
		p.close()
		return nil, err
	}
	return &loop{
		id:     id,
		srv:    srv,
		cfg:    cfg,
		lfd:    lfd,
		poller: p,
		conns:  make(map[int]*conn),
		events: make([]event, eventsPerWait),
		buf:    make([]byte, readBufferSize),
		input:  newInput(nil),
		// Deadlines are checked every tenth of the shorter timeout (at
		// least every 10 ms, at most every second), so a timeout fires at
		// most 10% late.
		tick: min(max(min(cfg.idleTimeout, cfg.headerTimeout)/10, 10*time.Millisecond), time.Second),
	}, nil
}

// run is the event loop: wait for the poller, handle what is ready, check
// the deadlines, and again, until shutdown has closed every connection.
func (l *loop) run() error {
	defer l.closeAll()
	l.now = time.Now()
	l.nextSweep = l.now.Add(l.tick)
	for {
		timeout := max(l.nextSweep.Sub(l.now), 0)
		if len(l.ready) > 0 {
			timeout = 0 // just look, then serve the ready list
		}
		l.flushLog() // the turn's log lines, in one write
		n, err := l.poller.wait(l.events, timeout)
		if err != nil {
			return fmt.Errorf("event loop %d: %w", l.id, err)
		}
		l.now = time.Now()
		for _, ev := range l.events[:n] {
			l.handle(ev)
		}
		l.serveReady()
		l.serveStreams()
		if !l.draining && l.srv.stopping.Load() {
			l.drain()
		}
		if !l.now.Before(l.nextSweep) {
			l.sweep()
		}
		if l.draining && len(l.conns) == 0 {
			return nil
		}
	}
}

// handle acts on one event. An event may concern a connection that an
// earlier event of the same wait closed; its fd may even have been reused
// by a connection accepted since. Both are harmless: a closed connection is
// no longer in conns, and a new one reads EAGAIN and waits.
func (l *loop) handle(ev event) {
	if ev.fd == l.lfd {
		l.accept()
		return
	}
	c := l.conns[ev.fd]
	if c == nil {
		return
	}
	if ev.eof {
		c.eof = true
	}
	if ev.writable {
		l.flush(c)
	}
	if ev.readable && c.state != connClosed {
		l.read(c)
	}
}

// accept takes every connection waiting on the listening socket, until
// EAGAIN: the edge that woke us may announce many. Stopping at the first
// one would leave the rest waiting for an edge that no longer comes.
func (l *loop) accept() {
	for l.lfd >= 0 {
		fd, sa, err := acceptConn(l.lfd)
		switch err {
		case nil:
		case unix.EINTR, unix.ECONNABORTED:
			continue // a signal, or a client that left while queued
		case unix.EAGAIN:
			l.acceptPaused = false
			return
		default:
			// EMFILE, ENFILE, ENOBUFS: out of file descriptors or memory.
			// The connections stay queued in the kernel; try again at
			// the next sweep.
			if !l.acceptPaused {
				l.logf("accept: %v; retrying every %v", err, l.tick)
			}
			l.acceptPaused = true
			return
		}
		peer := peerName(sa)
		over := l.srv.conns.Add(1) > int64(l.cfg.maxConns)
		setNoDelay(fd)
		if err := l.poller.addRead(fd); err != nil {
			l.srv.conns.Add(-1)
			unix.Close(fd)
			l.logf("%s: %v", peer, err)
			continue
		}
		c := &conn{loop: l, fd: fd, peer: peer}
		c.setDeadline(l.cfg.idleTimeout, "waiting for a request")
		l.conns[fd] = c
		if over {
			l.turnAway(c)
		} else {
			l.logf("%s connected", peer)
		}
	}
}

// turnAway answers a connection over -max-conns with a 503, before reading
// its request, and closes it. The close lingers like any other: closing at
// once, with the request the client sends unread, would reset the
// connection and could destroy the 503 before the client reads it. So
// refused connections count as open for up to lingerTimeout.
func (l *loop) turnAway(c *conn) {
	l.logf("%s refused: %d connections open", c.peer, l.cfg.maxConns)
	c.closeReason = errTooManyConns
	io.WriteString(c, tooManyConns)
	c.closeWhenWritten()
	l.flush(c)
}

// read reads what a connection's client sent, and hands it to the
// connection to answer. It reads until EAGAIN, or until a read that did not
// fill the buffer: TCP's read takes everything the socket holds, so a short
// read has emptied it, and bytes that arrive later bring a new edge. That
// saves the read that would only say EAGAIN, one system call per request
// for a client that waits for each answer (nginx does the same). The end of
// input is the exception: if the peer shut its side before this read, its
// edge has already come (c.eof), so we read on until the read returns 0.
func (l *loop) read(c *conn) {
	for i := 0; i < maxReadsPerEvent; i++ {
		if c.state == connClosing {
			return // no more requests; linger reads the rest once the output is out
		}
		if len(c.out) >= maxPendingOutput || c.streamInputFull() {
			c.stalled = true // back-pressure: flush resumes reading once the client has read
			return
		}
		n, err := unix.Read(c.fd, l.buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return // all read: the poller will tell when more comes
		case err != nil:
			l.closeConn(c, err)
			return
		case n == 0:
			c.peerClosed()
			return
		case c.state == connLingering:
			continue // dropped
		}
		c.received(l.buf[:n])
		if c.state == connClosed {
			return
		}
		if n < len(l.buf) && !c.eof {
			return // the socket is empty: wait for the next edge
		}
	}
	l.requeue(c) // more may be waiting: come back after the others
}

// flush writes a connection's queued output: the answers serve queued,
// then the slices of a body being sent, then the answers to requests that
// waited behind them, until all is written or the socket's send buffer is
// full. Write interest is on only while output waits for room, so an idle
// connection never wakes the loop.
func (l *loop) flush(c *conn) {
	for len(c.out) > 0 {
		if !l.writeOut(c) {
			return // closed, or the rest waits for room
		}
		if err := c.sendBody(); err != nil {
			l.closeConn(c, err)
			return
		}
		if len(c.out) == 0 {
			l.allWritten(c)
		}
	}
	if c.stalled && c.state != connClosed {
		c.stalled = false
		l.requeue(c) // reading stopped for back-pressure: resume
	}
}

// writeOut writes c.out, and reports whether all of it went. When the
// socket's send buffer fills first, the rest moves to the front of c.out,
// write readiness is watched, and the next writable event brings flush
// back.
func (l *loop) writeOut(c *conn) bool {
	sent := 0
	for sent < len(c.out) {
		n, err := writeSome(c.fd, c.out[sent:])
		if err != nil {
			l.closeConn(c, err)
			return false
		}
		if n == 0 {
			break // the send buffer is full
		}
		sent += n
	}
	if sent == len(c.out) {
		c.releaseOut()
		return true
	}
	c.out = c.out[:copy(c.out, c.out[sent:])]
	if sent > 0 || !c.watching {
		c.wrote()
	}
	if err := c.watchWrite(true); err != nil {
		l.closeConn(c, err)
	}
	return false
}

// allWritten moves a connection on once all its output is written: it
// stops watching for room, and either lingers, if it was closing, or
// waits for the next request, answering those that waited in c.in.
func (l *loop) allWritten(c *conn) {
	if err := c.watchWrite(false); err != nil {
		l.closeConn(c, err)
		return
	}
	if c.state == connClosing {
		l.linger(c)
		return
	}
	if c.streamWritten() {
		return
	}
	c.rearm()
	c.serve() // requests that waited while the answers before them were written
}

// requeue puts c on the ready list, to be read again after the current
// events without waiting for the poller.
func (l *loop) requeue(c *conn) {
	if !c.queued {
		c.queued = true
		l.ready = append(l.ready, c)
	}
}

// serveReady reads the connections on the ready list. Those that are cut
// off again go back on a fresh list, for the next turn.
func (l *loop) serveReady() {
	ready := l.ready
	l.ready = nil
	for _, c := range ready {
		c.queued = false
		if c.state != connClosed {
			l.read(c)
		}
	}
}
