package main

import (
	"errors"
	"net"
	"os"
	"time"
)

// progressConn is a connection whose deadlines move with progress. Each
// Write, and each Read while byProgress is set, gets a fresh deadline of
// timeout from now. So a client that keeps sending a long body, or keeps
// reading a long answer, keeps its connection however long that takes,
// and one that stalls for timeout loses it, as with nginx's
// client_body_timeout and send_timeout. One deadline for the whole body
// and answer, as a first version of this server had, cuts off a slow but
// steady client half way, and one per read would never cut off anybody
// who sends a byte now and then.
//
// The head of a request is the exception: its reads keep the one deadline
// the serve loop sets, headerTimeout from its first byte. Moving that
// deadline with every byte is exactly what a slowloris client wants.
type progressConn struct {
	net.Conn
	timeout    time.Duration
	byProgress bool // reads get a fresh deadline each, from a head's end to its answer's
}

// Read reads from the connection, with a fresh deadline when byProgress
// is set.
func (c *progressConn) Read(p []byte) (int, error) {
	if c.byProgress {
		c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Read(p)
}

// Write writes all of p, and gives up only when the client has taken
// nothing for a whole timeout: a write that times out after part of p
// went out made progress, so the rest gets a fresh deadline.
func (c *progressConn) Write(p []byte) (int, error) {
	written := 0
	for {
		c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
		n, err := c.Conn.Write(p[written:])
		written += n
		if err == nil || n == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return written, err
		}
	}
}
