//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// This file holds how a loop's connections end: in stages, so that the
// last answer is not lost to a reset (linger); when a deadline passes,
// which one sweep a tick finds for all of them; one at a time, with the
// line the log keeps of each (closeConn); and all at once, when the loop
// returns (closeAll).

// linger closes a connection in stages, as stage 2's lingerClose does: shut
// the write side, so the client sees the end of the answer, then read and
// drop whatever it still sends until it closes too, or lingerTimeout
// passes. Closing at once with unread input would make the kernel send a
// reset, which can destroy the answer before the client has read it.
func (l *loop) linger(c *conn) {
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		l.closeConn(c, nil) // already gone
		return
	}
	c.state = connLingering
	c.dropInput()
	c.setDeadline(lingerTimeout, "lingering")
	l.read(c) // what arrived before now will bring no new edge
}

// sweep closes the connections whose deadline has passed. It runs every
// tick, from run, rather than one timer per connection: a look at each
// connection costs a few nanoseconds, and at a tenth of the shortest
// timeout the sweep is precise enough.
func (l *loop) sweep() {
	for _, c := range l.conns {
		if !l.now.Before(c.deadline) {
			var err error
			switch {
			case c.state == connLingering:
			case l.draining && c.state == connOpen && len(c.in) == 0 && !c.pending.headDone():
				// The wait settle gives a client it has answered: a
				// normal end.
			default:
				err = fmt.Errorf("timed out %s", c.waiting)
			}
			l.closeConn(c, err)
		}
	}
	if l.draining && !l.now.Before(l.drainBy) && len(l.conns) > 0 {
		l.logf("shutdown: %d connections still open after %v; closed them", len(l.conns), l.cfg.shutdownTimeout)
		for _, c := range l.conns {
			l.closeConn(c, errShutdownTimeout)
		}
	}
	if l.acceptPaused {
		l.accept()
	}
	l.nextSweep = l.now.Add(l.tick)
}

// closeConn closes a connection and forgets it. err says why, when the
// reason is not a normal end; it is logged with the requests answered.
func (l *loop) closeConn(c *conn, err error) {
	if c.state == connClosed {
		return
	}
	c.state = connClosed
	unix.Close(c.fd) // also removes it from the poller
	delete(l.conns, c.fd)
	l.srv.conns.Add(-1)
	c.dropInput()
	c.out = nil
	c.endBody()
	c.dropStream()
	if err == nil {
		err = c.closeReason
	}
	if err != nil {
		l.logf("%s: %v after %d requests", c.peer, err, c.requests)
	} else {
		l.logf("%s closed after %d requests", c.peer, c.requests)
	}
}

// closeAll closes everything the loop holds, when it returns.
func (l *loop) closeAll() {
	for _, c := range l.conns {
		l.closeConn(c, nil)
	}
	l.flushLog()
	if l.lfd >= 0 {
		unix.Close(l.lfd)
		l.lfd = -1
	}
	l.closeWakes()
	l.srv.mu.Lock()
	l.poller.close()
	l.poller = nil
	l.srv.mu.Unlock()
}
