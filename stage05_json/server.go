package main

// The accept loop and the shutdown: the loop takes connections from the
// listener and serves each in its own goroutine, as stage 1's did, with two
// guards a server on a network needs. A failed accept is a moment's
// shortage, not the end: the loop waits and tries again. And the
// connections open at once are bounded: one over the limit is answered
// 503 and closed. On shutdown, the server stops accepting, closes the
// connections that wait for a request, ends the streams, and lets the
// others finish what they have started, for at most -shutdown-timeout.

import (
	"bufio"
	"context"
	"errors"
	"log"
	"net"
	"sync"
	"time"
)

// errTooManyConns is the answer to a connection over -max-conns: 503
// Service Unavailable, which tells the client that the refusal is
// temporary (RFC 9110 §15.6.4), with Retry-After saying when to try again.
var errTooManyConns = &StatusError{503, "too many connections"}

// drainWait bounds how long a connection waits for its next request, or
// the rest of a head, once the server is shutting down. Requests a client
// has sent, pipelined behind the one being answered or at the moment the
// shutdown began, are already in the socket, or arrive at once, and are
// answered; a wait for anything else ends after this.
const drainWait = 100 * time.Millisecond

// serveListener accepts connections from ln until ctx is cancelled, serving
// each in its own goroutine, then shuts down gracefully. It is split from
// run so that tests can hand it a listener on 127.0.0.1:0 and learn the
// port before any request is sent.
//
// A graceful shutdown stops accepting (the listener is closed, so the
// kernel refuses new connections), closes every connection that waits for
// a request once drainWait shows that none is coming, and lets every
// other finish: the answer it is writing, the body it is reading and its
// answer, and the requests its client sent behind them. A stream, which
// never finishes by itself, is ended: what it has ready, then its last
// chunk. It returns when
// the last has closed, or after cfg.shutdownTimeout, when it closes the
// rest. A first version of this server closed every connection at once,
// and cut an 8 MiB download off at 5 MB.
func serveListener(ctx context.Context, ln net.Listener, cfg config) error {
	conns := newConnSet()
	// Closing the listener is the only way to unblock Accept.
	go func() {
		<-ctx.Done()
		log.Printf("shutting down")
		ln.Close()
		conns.stop()
	}()
	err := acceptLoop(ctx, ln, cfg, conns)
	if !conns.drain(cfg.shutdownTimeout) {
		log.Printf("shutdown: connections still open after %v; closed them", cfg.shutdownTimeout)
	}
	return err
}

// acceptLoop accepts connections until the listener closes, and returns
// nil if it closed because ctx was cancelled.
//
// An accept that fails for another reason than the listener's closing is a
// shortage of the moment: out of file descriptors (EMFILE, with more
// connections than ulimit -n allows), or of kernel memory. The
// connections it could not take stay queued in the kernel, so the loop
// waits and tries again, 5 ms after the first failure, twice as long
// after each failure since, up to a second, as net/http's Server does.
// Returning instead, as a first version of this server did, would end the
// process, and the port would refuse everybody.
func acceptLoop(ctx context.Context, ln net.Listener, cfg config, conns *connSet) error {
	var delay time.Duration // how long the last failed accept waited
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			log.Printf("accept: %v; retrying in %v", err, delay)
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		over := conns.add(conn) > cfg.maxConns
		go func() {
			defer conns.remove(conn)
			if over {
				turnAway(conn, cfg.maxConns)
				return
			}
			serve(conn, cfg, conns)
		}()
	}
}

// turnAway answers a connection over -max-conns with a 503 before reading
// its request, and closes it, lingering as every close does: closing at
// once, with the request the client sends unread, would reset the
// connection and could destroy the 503 before the client reads it. So a
// refused connection counts as open for up to lingerTimeout.
func turnAway(conn net.Conn, maxConns int) {
	defer conn.Close()
	log.Printf("%s refused: %d connections open", conn.RemoteAddr(), maxConns)
	resp := errorResponse(errTooManyConns)
	resp.Header = append(resp.Header, Field{Name: "Retry-After", Value: "1"})
	resp.Close = true
	conn.SetWriteDeadline(time.Now().Add(lingerTimeout))
	if writeResponse(bufio.NewWriter(conn), resp) == nil {
		lingerClose(conn)
	}
}

// connSet is the server's open connections, and which of them wait for a
// request: waiting for its first byte, or reading its head. Those have no
// request of their own yet, so a shutdown closes them once drainWait has
// passed without one; the others are answering one. Of those, the ones
// sending a stream are woken, to end it.
type connSet struct {
	mu       sync.Mutex
	waiting  map[net.Conn]bool   // every open connection
	streams  map[net.Conn]func() // the connections sending a stream, and how to wake each
	stopping bool
	done     sync.WaitGroup // one for each open connection
}

func newConnSet() *connSet {
	return &connSet{waiting: map[net.Conn]bool{}, streams: map[net.Conn]func(){}}
}

// add counts a new connection in, and returns how many are open.
func (s *connSet) add(c net.Conn) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting[c] = false
	s.done.Add(1)
	return len(s.waiting)
}

// remove counts a connection out, once it has closed.
func (s *connSet) remove(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.waiting, c)
	s.done.Done()
}

// waitFor marks c as waiting for a request, or for the rest of its head,
// and sets its read deadline d from now; once the server is shutting
// down, at most drainWait from now: a request already sent is answered,
// but none is waited for. The deadline is set under the lock that stop
// takes, so that stop either sees c waiting and cuts the wait short, or c
// sees stop.
func (s *connSet) waitFor(c net.Conn, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting[c] = true
	if s.stopping {
		d = min(d, drainWait)
	}
	c.SetReadDeadline(time.Now().Add(d))
}

// answering marks c as answering a request: a shutdown lets it finish.
func (s *connSet) answering(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting[c] = false
}

// streaming marks c as sending a stream, which a shutdown ends by calling
// wake, at once if it has begun; the function it returns unmarks c.
func (s *connSet) streaming(c net.Conn, wake func()) (done func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams[c] = wake
	if s.stopping {
		wake()
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.streams, c)
	}
}

// stopped reports whether the server is shutting down.
func (s *connSet) stopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

// stop begins the shutdown: every connection that waits for a request
// gets drainWait for it, and closes if none comes; every stream is woken
// to end; the others will close once they wait for a request.
func (s *connSet) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
	for c, waiting := range s.waiting {
		if waiting {
			c.SetReadDeadline(time.Now().Add(drainWait))
		}
	}
	for _, wake := range s.streams {
		wake()
	}
}

// drain waits until every connection has closed, or for at most timeout,
// after which it closes the rest and waits for their goroutines. It
// reports whether they all closed in time.
func (s *connSet) drain(timeout time.Duration) bool {
	closed := make(chan struct{})
	go func() {
		s.done.Wait()
		close(closed)
	}()
	select {
	case <-closed:
		return true
	case <-time.After(timeout):
	}
	s.mu.Lock()
	for c := range s.waiting {
		c.Close()
	}
	s.mu.Unlock()
	<-closed
	return false
}
