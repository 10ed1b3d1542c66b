//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"context"
	"log"
	"net"
	"sync"
	"sync/atomic"

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
