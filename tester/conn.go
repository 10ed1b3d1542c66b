package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// conn is the tester's side of one TCP connection: raw bytes, every read
// under a deadline, and what was sent and received kept for the report.
// What it holds is bounded, whatever the server sends: a check reads no
// more than it can use (bodyLimit), and the report keeps the first maxKept
// bytes received.
type conn struct {
	t        *T
	c        net.Conn
	id       int
	sent     []byte
	buf      []byte // read buffer, allocated on the first read and reused
	in       []byte // received and not yet consumed by the check
	got      []byte // the first maxKept bytes received, for the report
	received int    // how many bytes arrived in all
	expected int    // the body the check expects of the next response, in bytes (bodyLimit)
	eof      bool   // the server closed its side
	err      error  // the read error that ended the stream, if not a clean close
}

// maxKept is how much of what a connection received the report keeps: far
// more than a failure prints (maxShown), enough for the -json report.
const maxKept = 64 << 10

// dial opens a connection to the server under test.
func (t *T) dial() (*conn, error) { return t.dialWith(net.Dialer{}) }

// dialWith is dial with d, for a check that sets options of the socket
// before it connects.
func (t *T) dialWith(d net.Dialer) (*conn, error) {
	d.Timeout = t.timeout
	c, err := d.DialContext(t.ctx, "tcp", t.addr)
	if err != nil {
		return nil, &failure{
			Summary: "could not connect to " + t.addr + ": " + describeNetErr(err, 0),
			Hint:    t.serverHint(),
		}
	}
	return &conn{t: t, c: c}, nil
}

// dialAndSend opens a connection and sends b on it. The caller closes the
// connection, which is never nil, whether or not the dial worked.
func (t *T) dialAndSend(b []byte) (*conn, error) {
	c, err := t.dial()
	if err != nil {
		return &conn{t: t, c: nopConn{}}, err
	}
	return c, c.send(b)
}

// dialAll opens n connections before any is used, as the concurrency
// checks need: a server that serves one connection at a time accepts the
// first and leaves the others waiting.
func (t *T) dialAll(n int) ([]*conn, error) {
	conns := make([]*conn, 0, n)
	for i := 0; i < n; i++ {
		c, err := t.dial()
		if err != nil {
			closeAll(conns)
			return nil, annotate(err, fmt.Sprintf("%d connections were already open", i), "")
		}
		conns = append(conns, c)
	}
	return conns, nil
}

// closeAll closes every connection of a dialAll.
func closeAll(conns []*conn) {
	for _, c := range conns {
		c.Close()
	}
}

// serverHint adds what is known about the server's process to a failure:
// whether it is still running, and how it ended if not.
func (t *T) serverHint() string {
	if t.server == nil {
		return ""
	}
	// A server that just crashed may not have been reaped yet: give it a
	// moment, since this runs only when something already failed.
	select {
	case <-t.server.done:
	case <-time.After(500 * time.Millisecond):
	}
	if st := t.server.exitStatus(); st != "" {
		return "the server process " + st + "; its output is above, prefixed " + t.server.prefix
	}
	return ""
}

func (c *conn) Close() error { return c.c.Close() }

// nopConn stands in for a connection that was never opened, so that a
// caller can close what dialAndSend returns whether or not the dial worked.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// send writes b in one call and records it.
func (c *conn) send(b []byte) error {
	c.sent = append(c.sent, b...)
	if c.t.rep.verbose {
		c.t.rep.block(c.t.prefix, "sent:", b)
	}
	c.c.SetWriteDeadline(time.Now().Add(c.t.timeout))
	if _, err := c.c.Write(b); err != nil {
		return &failure{Summary: "sending failed: " + describeNetErr(err, c.received), Sent: c.sent, Got: c.got,
			Hint: sendHint(err), cause: err}
	}
	return nil
}

// sendHint explains a write that failed: the server went away, or stopped
// reading, before the request was complete.
func sendHint(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "the server stopped reading before the request was complete: keep reading until the blank line after the headers and the Content-Length bytes of body have arrived"
	}
	return "the server closed the connection before the whole request was sent: keep reading until the request is complete (the blank line after the headers, then Content-Length bytes of body), however many reads that takes"
}

// sendInBackground writes b from another goroutine, for payloads larger than
// the socket buffers: the server answers, or stops reading, while the tester
// still sends, and a write in the check's own goroutine could block until
// both sides' buffers were full. The write gives up after d; the channel
// yields its error once.
func (c *conn) sendInBackground(b []byte, d time.Duration) <-chan error {
	errc := make(chan error, 1)
	go func() {
		c.c.SetWriteDeadline(time.Now().Add(d))
		_, err := c.c.Write(b)
		errc <- err
	}()
	return errc
}

// sendSlowly writes b in pieces of size n with a pause between them, to
// test a server's handling of requests that arrive in fragments.
func (c *conn) sendSlowly(b []byte, n int, pause time.Duration) error {
	for len(b) > 0 {
		k := min(n, len(b))
		if err := c.send(b[:k]); err != nil {
			return err
		}
		b = b[k:]
		if len(b) > 0 {
			select {
			case <-time.After(pause):
			case <-c.t.ctx.Done():
				return c.t.ctx.Err()
			}
		}
	}
	return nil
}

// closeWrite half-closes the connection: the server sees end of stream but
// can still send.
func (c *conn) closeWrite() error {
	if tc, ok := c.c.(*net.TCPConn); ok {
		return tc.CloseWrite()
	}
	return errors.New("not a TCP connection")
}

// fill reads more bytes into c.in, waiting at most until deadline. It
// returns false when nothing more can arrive (the server closed, the read
// failed, or the deadline passed with nothing new).
func (c *conn) fill(deadline time.Time) bool {
	if c.eof || c.err != nil {
		return false
	}
	if c.buf == nil {
		c.buf = make([]byte, 64*1024)
	}
	c.c.SetReadDeadline(deadline)
	n, err := c.c.Read(c.buf)
	if n > 0 {
		if c.t.rep.verbose {
			c.t.rep.block(c.t.prefix, "received:", c.buf[:n])
		}
		c.received += n
		if keep := min(n, maxKept-len(c.got)); keep > 0 {
			c.got = append(c.got, c.buf[:keep]...)
		}
		c.in = append(c.in, c.buf[:n]...)
	}
	switch {
	case err == io.EOF:
		c.eof = true
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return n > 0
		}
		c.err = err
	}
	return n > 0 || err == nil
}

// readBudget is how many -timeouts one read may last in all. Each wait for
// the next bytes lasts at most -timeout ("how long one read may wait"), so
// that a server that goes silent is caught after -timeout; the budget
// catches one that keeps sending a byte now and then, and never finishes.
const readBudget = 4

// patience is what one read may wait: -timeout for each of the server's
// silences, and readBudget of them in all. A response shares one across
// its head, chunks and trailer, so that a server cannot stretch its answer
// by trickling chunk after chunk. It remembers which of the two its last
// deadline was, so that a timeout can say whether bytes were still
// arriving.
type patience struct {
	idle       time.Duration
	began, end time.Time
	from       int  // where the read began in what the connection received
	atEnd      bool // the last deadline given was the budget's end
}

// patience starts the wait of one read.
func (c *conn) patience() *patience {
	now := time.Now()
	return &patience{idle: c.t.timeout, began: now, end: now.Add(readBudget * c.t.timeout), from: c.received - len(c.in)}
}

// deadline is when the next read gives up: -timeout from now, or the end of
// the budget if that comes first.
func (p *patience) deadline() time.Time {
	d := time.Now().Add(p.idle)
	p.atEnd = !d.Before(p.end)
	if p.atEnd {
		return p.end
	}
	return d
}

// take consumes the first n bytes of c.in. The slice is capped at n, so
// that a caller who appends to it copies rather than writes over what
// follows.
func (c *conn) take(n int) []byte {
	b := c.in[:n:n]
	c.in = c.in[n:]
	return b
}

// pending is what arrived and the check has not consumed, capped like take.
func (c *conn) pending() []byte { return c.in[:len(c.in):len(c.in)] }

// readN waits for exactly n more bytes and consumes them. On failure it
// returns what did arrive and an explanation of why the rest did not. The
// caller bounds n: c.in grows to hold it.
func (c *conn) readN(n int) ([]byte, error) { return c.readNWithin(n, c.patience()) }

// readNWithin is readN as part of a longer read, which p paces.
func (c *conn) readNWithin(n int, p *patience) ([]byte, error) {
	for len(c.in) < n {
		if !c.fill(p.deadline()) {
			return c.pending(), c.why(p)
		}
	}
	return c.take(n), nil
}

// readUntil waits for delim and consumes everything up to and including it.
// It reads little more than limit bytes looking for it.
func (c *conn) readUntil(delim []byte, limit int) ([]byte, error) {
	return c.readUntilWithin(delim, limit, c.patience())
}

// readUntilWithin is readUntil as part of a longer read, which p paces.
func (c *conn) readUntilWithin(delim []byte, limit int, p *patience) ([]byte, error) {
	for {
		if i := bytes.Index(c.in, delim); i >= 0 {
			return c.take(i + len(delim)), nil
		}
		if len(c.in) > limit {
			return c.pending(), fmt.Errorf("no %s within the first %d bytes", quote(delim), limit)
		}
		if !c.fill(p.deadline()) {
			return c.pending(), c.why(p)
		}
	}
}

// Sentinels for what a short read found, so that a check can give a hint
// only where it explains that kind of failure (errors.Is).
var (
	errTimeout = errors.New("timeout")           // nothing more arrived in time
	errClosed  = errors.New("connection closed") // the server closed its side

	errStillOpen = errors.New("connection still open") // a close that was due did not come
)

// readError is a sentence for the learner that also says, for errors.Is,
// which of the sentinels above (or which system error) it stands for.
type readError struct {
	msg   string
	kinds []error
}

func (e *readError) Error() string   { return e.msg }
func (e *readError) Unwrap() []error { return e.kinds }

// why explains, after a read came up short, what the connection did. A
// timeout tells apart a server that sent nothing, one that sent some bytes
// and then fell silent for -timeout, and one still sending when the
// budget ran out.
func (c *conn) why(p *patience) error {
	n := len(c.in)
	switch {
	case c.eof && n == 0:
		return &readError{"no response: the server closed the connection without answering", []error{errClosed}}
	case c.eof:
		return &readError{fmt.Sprintf("the server closed the connection after sending only %d bytes of it", n), []error{errClosed}}
	case c.err != nil:
		return &readError{describeNetErr(c.err, n), []error{c.err}}
	case c.t.ctx.Err() != nil:
		return &readError{"interrupted", []error{c.t.ctx.Err()}}
	case p.atEnd:
		return &readError{fmt.Sprintf("timeout: %d bytes of the answer arrived in %v and more were still coming: the answer is larger than the check expects, or the server is too slow",
			c.received-p.from, p.end.Sub(p.began).Round(100*time.Millisecond)), []error{errTimeout}}
	}
	wait := p.idle.Round(100 * time.Millisecond)
	if n == 0 {
		return &readError{fmt.Sprintf("timeout: no response within %v (is the server still reading, waiting for more input?)", wait), []error{errTimeout}}
	}
	return &readError{fmt.Sprintf("timeout: only %d bytes arrived, then nothing more for %v", n, wait), []error{errTimeout}}
}

// expectClosed waits up to grace for the server to close its side, ignoring
// nothing: the first bytes that arrive before the close are reported as
// unexpected.
func (c *conn) expectClosed(grace time.Duration) error {
	deadline := time.Now().Add(grace)
	for len(c.in) == 0 && !c.eof && c.err == nil && time.Now().Before(deadline) {
		c.fill(deadline)
	}
	switch {
	case len(c.in) > 0:
		return fmt.Errorf("expected the connection to close, but more bytes arrived: %s", quote(around(c.in, 0, 60)))
	case c.eof:
		return nil
	case c.err != nil && isReset(c.err):
		return nil // a reset closes the connection too
	case c.err != nil:
		return &readError{describeNetErr(c.err, 0), []error{c.err}}
	}
	return &readError{fmt.Sprintf("the server did not close the connection within %v", grace), []error{errStillOpen}}
}

// maxExtra is how many unasked-for bytes extra reads: enough to show them,
// and a bound on what a server flooding the connection costs.
const maxExtra = 64 << 10

// extra waits up to d for bytes the check did not ask for, and consumes
// them, up to about maxExtra. A correct server sends none, so waiting
// longer only slows a pass; it never makes one fail.
func (c *conn) extra(d time.Duration) []byte {
	deadline := time.Now().Add(d)
	for len(c.in) < maxExtra && time.Now().Before(deadline) && c.fill(deadline) {
	}
	return c.take(len(c.in))
}

// expectSilence waits for d and fails if any byte arrives or the server
// closes: used for incomplete requests, which deserve no answer yet.
func (c *conn) expectSilence(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && !c.eof && c.err == nil {
		c.fill(deadline)
		if len(c.in) > 0 {
			return fmt.Errorf("the server answered %s before the request was complete", quote(around(c.in, 0, 60)))
		}
	}
	switch {
	case c.eof:
		return errors.New("the server closed the connection before the request was complete")
	case c.err != nil:
		return errors.New(describeNetErr(c.err, 0))
	}
	return nil
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// describeNetErr turns a network error into a sentence a learner can act
// on, instead of a bare "EOF" or "read: connection reset by peer".
func describeNetErr(err error, received int) string {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF) && received == 0:
		return "no response: the server closed the connection without answering"
	case errors.Is(err, io.EOF):
		return fmt.Sprintf("the server closed the connection after %d bytes", received)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing is listening there (did the server exit?)"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset: the server closed the socket abruptly (it crashed, or closed with unread input)"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe: the server closed the connection while the tester was still sending"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout: the server did not answer in time"
	}
	return err.Error()
}
