package main

// The accept loop: it takes connections from the listener and serves each
// in its own goroutine, as stage 1's did, with two guards a server on a
// network needs. A failed accept is a moment's shortage, not the end: the
// loop waits and tries again. And the connections open at once are
// bounded: one over the limit is answered 503 and closed.

import (
	"bufio"
	"context"
	"errors"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errTooManyConns is the answer to a connection over -max-conns: 503
// Service Unavailable, which tells the client that the refusal is
// temporary (RFC 9110 §15.6.4), with Retry-After saying when to try again.
var errTooManyConns = &StatusError{503, "too many connections"}

// serveListener accepts connections from ln until ctx is cancelled, serving
// each in its own goroutine. It is split from run so that tests can hand it
// a listener on 127.0.0.1:0 and learn the port before any request is sent.
//
// An accept that fails for another reason than the listener's closing is a
// shortage of the moment: out of file descriptors (EMFILE, with more
// connections than ulimit -n allows), or of kernel memory. The
// connections it could not take stay queued in the kernel, so the loop
// waits and tries again, 5 ms after the first failure, twice as long
// after each failure since, up to a second, as net/http's Server does.
// Returning instead, as a first version of this server did, would end the
// process, and the port would refuse everybody.
func serveListener(ctx context.Context, ln net.Listener, cfg config) error {
	// Closing the listener is the only way to unblock Accept.
	go func() {
		<-ctx.Done()
		log.Printf("shutting down")
		ln.Close()
	}()

	var conns sync.WaitGroup
	defer conns.Wait()
	var open atomic.Int64
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
		over := open.Add(1) > int64(cfg.maxConns)
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer open.Add(-1)
			if over {
				turnAway(conn, cfg.maxConns)
				return
			}
			serve(ctx, conn, cfg)
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
