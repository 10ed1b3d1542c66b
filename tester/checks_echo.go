package main

import (
	"bytes"
	"fmt"
	"time"
)

// bindSlug names the first check of every stage. The runner always runs it,
// even under -run, because no other check can start before it.
const bindSlug = "bind"

// readEcho is where a failed stage-1 check sends the learner.
const readEcho = "stages/01-echo.md#tests and docs/01-echo.md"

func init() {
	register(
		check{stage: 1, slug: bindSlug, name: "binds to the port", read: "stages/01-echo.md#tests"},
		check{stage: 1, until: 1, slug: "echo-line", name: "echoes a short line", read: readEcho, run: echoLine},
		check{stage: 1, until: 1, slug: "echo-sequence", name: "echoes several messages on one connection, in order", read: readEcho, run: echoSequence},
		check{stage: 1, until: 1, slug: "echo-1mib", name: "echoes a 1 MiB random payload byte for byte", read: "docs/01-echo.md#partial-reads-and-writes", run: echoLarge},
		check{stage: 1, until: 1, slug: "echo-concurrent", name: "serves three connections opened together, used in reverse order", read: "docs/01-echo.md#a-goroutine-per-connection", run: echoConcurrent},
		check{stage: 1, until: 1, slug: "echo-half-close", name: "closes its side after the client half-closes", read: "docs/01-echo.md#half-close", run: echoHalfClose},
	)
}

// expectEcho sends msg on c and requires exactly msg back.
func (t *T) expectEcho(c *conn, msg []byte) error {
	if err := c.send(msg); err != nil {
		return err
	}
	if err := t.expectBytes(c, msg, "expected the same bytes back"); err != nil {
		return err
	}
	if extra := c.extra(100 * time.Millisecond); len(extra) > 0 {
		return &failure{
			Summary: fmt.Sprintf("the echo was followed by %d bytes that were never sent", len(extra)),
			Sent:    msg, Want: msg, Got: append(append([]byte(nil), msg...), extra...),
			Hint: "write back only the bytes the read returned (buf[:n]), not the whole buffer",
		}
	}
	return nil
}

// expectBytes reads len(want) bytes and requires them to equal want.
func (t *T) expectBytes(c *conn, want []byte, summary string) error {
	got, err := c.readN(len(want))
	if err != nil {
		return &failure{Summary: err.Error(), Sent: c.sent, Want: want, Got: got}
	}
	if !bytes.Equal(got, want) {
		return &failure{Summary: summary, Sent: c.sent, Want: want, Got: got}
	}
	return nil
}

func echoLine(t *T) error {
	msg := []byte("hello " + t.randomWord() + "\n")
	t.reproduceRaw(msg)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	return t.expectEcho(c, msg)
}

func echoSequence(t *T) error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	host, port := t.reproAddr()
	t.reproduce("nc %s %s   (then type a line, Enter, and another)", host, port)
	for i := 1; i <= 3; i++ {
		msg := []byte(fmt.Sprintf("message %d: %s\n", i, t.randomWord()))
		if err := t.expectEcho(c, msg); err != nil {
			f := asFailure(err)
			if i > 1 {
				f.Detail = fmt.Sprintf("this was message %d of 3 on the same connection; the ones before it were echoed", i)
			}
			f.Sent, f.Want = msg, msg // this message only, not the whole connection
			return f
		}
	}
	return nil
}

func echoLarge(t *T) error {
	const size = 1 << 20
	payload := t.randomBytes(size)
	host, port := t.reproAddr()
	t.reproduce("head -c %d /dev/urandom | nc -N %s %s | wc -c   (should print %d)", size, host, port, size)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()

	// Send from another goroutine: the server echoes while we still send, and
	// if nobody read, both sides' buffers would fill and deadlock.
	sendErr := make(chan error, 1)
	go func() {
		c.c.SetWriteDeadline(time.Now().Add(4 * t.timeout))
		_, err := c.c.Write(payload)
		sendErr <- err
	}()
	got, err := c.readN(size)
	if err == nil && !bytes.Equal(got, payload) {
		i := firstDiff(payload, got)
		return &failure{
			Summary: fmt.Sprintf("the echo differs from what was sent, first at byte %d of %d", i, size),
			Detail:  fmt.Sprintf("sent %s there, received %s", quote(around(payload, i, 16)), quote(around(got, i, 16))),
			Hint:    "echo bytes in the order they arrived, and only the bytes each read returned (buf[:n], not the whole buffer)",
		}
	}
	if err != nil {
		c.Close()
		<-sendErr
		return &failure{
			Summary: fmt.Sprintf("sent %d random bytes; %d came back: %v", size, len(got), err),
			Hint:    "a single read returns whatever has arrived so far, often far less than was sent: keep reading and writing until the client closes",
		}
	}
	if err := <-sendErr; err != nil {
		return &failure{Summary: "sending the payload failed: " + describeNetErr(err, len(got))}
	}
	return nil
}

func echoConcurrent(t *T) error {
	host, port := t.reproAddr()
	t.reproduce("nc %s %s   in three terminals; type in the third, then the second, then the first", host, port)
	conns, err := t.dialAll(3)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	for i := len(conns) - 1; i >= 0; i-- {
		msg := []byte(fmt.Sprintf("connection %d says %s\n", i+1, t.randomWord()))
		if err := t.expectEcho(conns[i], msg); err != nil {
			f := asFailure(err)
			f.Detail = fmt.Sprintf("three connections were opened, then used last first; connection %d got no echo", i+1)
			f.Hint = "a server that handles one connection at a time never reads the later ones while the first stays open: serve each connection concurrently (a goroutine each)"
			return f
		}
	}
	return nil
}

func echoHalfClose(t *T) error {
	msg := []byte("last words " + t.randomWord() + "\n")
	t.reproduceRaw(msg)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send(msg); err != nil {
		return err
	}
	if err := c.closeWrite(); err != nil {
		return err
	}
	if err := t.expectBytes(c, msg, "expected the same bytes back"); err != nil {
		return err
	}
	if err := c.expectClosed(2 * time.Second); err != nil {
		return &failure{
			Summary: err.Error(),
			Detail:  "the tester sent its message, then closed its side of the connection (a TCP FIN)",
			Hint:    "when a read returns end of stream (io.EOF in Go, 0 from recv in C), close the connection",
		}
	}
	return nil
}
