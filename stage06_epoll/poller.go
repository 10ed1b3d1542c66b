package main

import "time"

// poller is the part of an event loop that talks to the kernel: it watches
// many sockets and tells the loop which ones are ready, so that one thread
// serves them all without ever blocking on any one of them. It is epoll on
// Linux (poller_epoll.go) and kqueue on macOS and the BSDs
// (poller_kqueue.go); the loop sees only this interface.
//
// Every registration is edge-triggered: the poller reports a socket once
// each time it becomes ready (new input arrived, the peer closed, room
// appeared in the send buffer), not for as long as it stays ready. The loop
// therefore reads until the kernel says EAGAIN, or notes that it stopped
// early and comes back on its own; otherwise unread input would wait for an
// edge that never comes.
//
// A poller is used by its loop's goroutine only, except for wake, which any
// goroutine may call.
type poller interface {
	// addRead starts watching fd for input, which includes the end of
	// input and errors: whatever a read would report.
	addRead(fd int) error
	// setWrite turns the watch for room to write on fd on or off. The loop
	// turns it on only while output waits for the client, so that a
	// connection with nothing to send never wakes the loop.
	setWrite(fd int, on bool) error
	// wait blocks until a watched fd is ready, wake is called or timeout
	// passes (never, if timeout is negative), fills events and returns how
	// many it filled. Waking reports no event: it only makes wait return.
	wait(events []event, timeout time.Duration) (int, error)
	// wake makes the loop's current or next wait return at once.
	wake() error
	// close releases the poller. Closing a watched fd removes it from the
	// poller by itself, so there is no method to stop watching one.
	close() error
}

// event says what became ready on one fd. An error or a hang-up on the
// socket is reported as readable and writable, so that the next read or
// write returns it and the connection is closed the usual way.
//
// eof says the peer has shut its sending side (EPOLLRDHUP, or a hang-up):
// the end of input is waiting behind whatever data is left, and no new
// edge will announce it, so the loop must read until it sees it.
type event struct {
	fd       int
	readable bool
	writable bool
	eof      bool
}
