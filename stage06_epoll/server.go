//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"context"
	"errors"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// server owns the event loops. The loops share nothing but the count of
// open connections and the order to stop: each has its own listening
// socket, poller, connections and buffers, so they never lock.
type server struct {
	addr     *net.TCPAddr // where it listens, with the port the kernel chose for port 0
	loops    []*loop
	conns    atomic.Int64 // connections open across all loops, for -max-conns
	stopping atomic.Bool  // set once, by shutdown
	// mu keeps shutdown from waking a loop whose poller is being closed:
	// its file descriptors could already belong to a new connection.
	mu sync.Mutex
}

// listen opens cfg.loops listening sockets on addr, and a loop for each. It
// is split from serve so that tests can listen on 127.0.0.1:0 and learn the
// port before any request is sent.
func listen(addr string, cfg config) (*server, error) {
	fds, bound, err := listenSockets(addr, cfg.loops)
	if err != nil {
		return nil, err
	}
	s := &server{addr: bound}
	for i, fd := range fds {
		l, err := newLoop(s, i, fd, cfg)
		if err != nil {
			for _, fd := range fds[i:] {
				unix.Close(fd)
			}
			for _, l := range s.loops {
				l.closeAll()
			}
			return nil, err
		}
		s.loops = append(s.loops, l)
	}
	return s, nil
}

// serve runs every loop on its own goroutine until ctx is cancelled, then
// shuts down gracefully: the loops stop accepting, close their idle
// connections, finish writing the answers they have started, and return.
// serve returns when they all have, with the first error that stopped one.
func (s *server) serve(ctx context.Context) error {
	done := make(chan error, len(s.loops))
	for _, l := range s.loops {
		go func() { done <- l.run() }()
	}
	stop := context.AfterFunc(ctx, func() {
		log.Printf("shutting down")
		s.shutdown()
	})
	defer stop()

	var first error
	for range s.loops {
		if err := <-done; err != nil && first == nil {
			first = err
			s.shutdown() // one loop failed: stop the others too
		}
	}
	return first
}

// shutdown asks every loop to stop. It may be called from any goroutine,
// which is why it only sets a flag and wakes the loops: they do the rest
// themselves, between two waits.
func (s *server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping.Store(true)
	for _, l := range s.loops {
		if l.poller != nil {
			l.poller.wake()
		}
	}
}

var errShutdownTimeout = errors.New("closed by the shutdown, its answer unfinished")

// drain starts the shutdown of this loop, as the earlier stages' connSet
// does for goroutines: close the listening socket, so the kernel sends new
// connections nowhere, end every stream (endStreams), close every
// connection that waits for a request, and let the others finish. A connection answering a request writes its
// answer, reads the requests its client sent behind it, answers them, and
// closes once it has nothing more to do (settle). After shutdownTimeout
// the sweep closes whatever is left, a client that never reads included.
func (l *loop) drain() {
	l.draining = true
	l.drainBy = l.now.Add(l.cfg.shutdownTimeout)
	unix.Close(l.lfd)
	l.lfd = -1
	l.endStreams()
	for _, c := range l.conns {
		l.settle(c, false)
	}
}

// settle closes a connection that has nothing left to do once the server
// is shutting down: no answer to write, no body to read, no request in
// its buffer. Three kinds get drainWait first: one with part of a request,
// for the rest; one that has just answered (answered), whose client may
// have pipelined more requests that are still on their way; and one whose
// reading stopped for back-pressure (stalled), whose requests may still
// wait in its socket. Closing a socket with requests unread would reset
// it, and a reset can destroy the answers the client has not yet read.
func (l *loop) settle(c *conn, answered bool) {
	switch {
	case c.state != connOpen, c.pending.headDone(), len(c.out) > 0, c.body != nil:
		// Lingering or closing already, or answering a request.
	case len(c.in) > 0, answered, c.stalled:
		if d := l.now.Add(drainWait); d.Before(c.deadline) {
			c.deadline = d
			l.nextSweep = minTime(l.nextSweep, d)
		}
	default:
		l.closeConn(c, nil)
	}
}

// minTime returns the earlier of a and b.
func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
