package main

import (
	"errors"
	"io"
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

// sendSlice is how much of a body ReadFrom hands the kernel at a time.
const sendSlice = 1 << 20

// ReadFrom copies a body that io.CopyN hands it (an io.LimitedReader) to
// the connection through the connection's own ReadFrom, so that a file is
// sent with sendfile(2), a slice at a time, with a fresh deadline for each,
// and for the rest of a slice that timed out after making progress, as
// Write does. Anything else is copied through Write.
func (c *progressConn) ReadFrom(r io.Reader) (int64, error) {
	lr, limited := r.(*io.LimitedReader)
	rf, direct := c.Conn.(io.ReaderFrom)
	if !limited || !direct {
		return io.Copy(struct{ io.Writer }{c}, r)
	}
	var sent int64
	for lr.N > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
		n, err := rf.ReadFrom(&io.LimitedReader{R: lr.R, N: min(lr.N, sendSlice)})
		sent += n
		lr.N -= n
		switch {
		case err != nil && n > 0 && errors.Is(err, os.ErrDeadlineExceeded):
		case err != nil:
			return sent, err
		case n == 0:
			return sent, nil // the reader ended early: io.CopyN reports it
		}
	}
	return sent, nil
}
