package main

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// readEcho is where a failed stage-1 check sends the learner.
const readEcho = "stages/01-echo.md#tests and docs/01-echo.md"

func init() {
	register(
		check{stage: 1, always: true, slug: "bind", name: "binds to the port", read: "stages/01-echo.md#tests", run: bind, hints: []string{
			"Look at the lines your server printed above the failure, and at how it chooses its port: the tester starts your_program.sh with PORT set to a free port, and waits until a connection to it succeeds.",
			"Most often the server listens on a fixed port that is neither PORT nor 4221, or exits before it listens (a crash, a syntax error); a print that stays in a buffer can hide the message that says why.",
			"Read the port from the PORT environment variable (4221 when it is not set), then create a TCP socket, bind it to that port and listen; run ./your_program.sh by hand and try printf 'hi\\n' | nc localhost 4221.",
		}},
		check{stage: 1, until: 1, slug: "echo-line", name: "echoes a short line", read: readEcho, run: echoLine, hints: []string{
			"Look at what your server does with a connection once it has accepted it: the tester sends one short line and waits for the same bytes to come back on that connection.",
			"Usually the accepted connection is closed, or left alone, without a read; or the write goes to the listening socket instead of the accepted one.",
			"On the accepted connection, read into a buffer and write back exactly the bytes that read returned (n of them, not the whole buffer), in a loop that ends when the read reports end of stream.",
		}},
		check{stage: 1, until: 1, slug: "echo-sequence", name: "echoes several messages on one connection, in order", read: readEcho, run: echoSequence, hints: []string{
			"Look at what your connection handler does after it has echoed the first message: the tester sends three lines, one after the other, on the same connection.",
			"The handler probably reads and echoes once, then closes or stops reading; or it waits for the client to close before it echoes anything.",
			"Put the read and the write in a loop that runs until the read reports end of stream, and echo each piece as soon as it arrives.",
		}},
		check{stage: 1, until: 1, slug: "echo-1mib", name: "echoes a 1 MiB random payload byte for byte", read: "docs/01-echo.md#partial-reads-and-writes", run: echoLarge, hints: []string{
			"Look at how many bytes one read returns: a megabyte arrives in many pieces, and each read returns whatever the kernel holds at that moment, often a few kilobytes.",
			"Likely one read of a fixed size is taken for the whole message, the whole buffer is written back instead of the bytes read, or a write that sent only part of its bytes is not finished.",
			"Loop until end of stream: read up to a buffer's size, write back exactly the n bytes just read, and make sure all n are written (a Go Write does; in C, call send again for the rest).",
		}},
		check{stage: 1, until: 1, slug: "echo-concurrent", name: "serves three connections opened together, used in reverse order", read: "docs/01-echo.md#a-goroutine-per-connection", run: echoConcurrent, hints: []string{
			"Look at your accept loop, and at what it does while one connection is still open: the tester opens three connections before it sends anything, then uses the last one first.",
			"A server that serves a connection inside its accept loop serves one client at a time, so the third connection waits for the first to close, which here it never does.",
			"Serve each accepted connection on its own: a goroutine in Go, a thread or fork() in C, a thread in Python, or an event loop (poll, select, or Node's events, which are concurrent already).",
		}},
		check{stage: 1, until: 1, slug: "echo-half-close", name: "closes its side after the client half-closes", read: "docs/01-echo.md#half-close", run: echoHalfClose, hints: []string{
			"Look at what your handler does when a read reports end of stream: the tester sends a last line, closes its sending side (a TCP FIN), and waits for the server to close too.",
			"The handler probably goes on looping after end of stream, taking an empty read for \"nothing yet\", or never closes the connection, so the client waits for ever.",
			"When a read reports end of stream (io.EOF in Go, 0 from recv in C, b'' in Python, the 'end' event in Node), finish writing what you have, then close the connection.",
		}},
	)
}

// bind is the "binds to the port" check, which every run needs first: it
// waits for the server the tester started, or checks that the one at -addr
// answers.
func bind(t *T) error {
	if t.server == nil {
		deadline := time.Now().Add(t.listen.wait)
		for !reachable(t.addr) {
			if time.Now().After(deadline) {
				return &failure{Summary: fmt.Sprintf("nothing accepts connections at %s (waited %v)", t.addr, t.listen.wait), Hint: "start your server first, or let the tester start it with -dir or -cmd"}
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	}
	addr, err := t.server.waitListening(t.ctx, t.listen.port, t.listen.wait, t.listen.probe4221)
	if err != nil {
		return err
	}
	t.addr = addr
	return nil
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
		return &failure{Summary: err.Error(), Sent: c.sent, Want: want, Got: got, cause: err, Hint: echoHint(err)}
	}
	if !bytes.Equal(got, want) {
		return &failure{Summary: summary, Sent: c.sent, Want: want, Got: got,
			Hint: "write back exactly the bytes each read returned, in the order they arrived"}
	}
	return nil
}

// echoHint explains an echo that did not come back whole.
func echoHint(err error) string {
	if errors.Is(err, errClosed) {
		return "the server closed the connection before echoing everything: keep reading and writing until the client closes"
	}
	return "the server stopped echoing: loop, reading and writing back, until a read returns end of stream"
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
	var msgs [][]byte
	for i := 1; i <= 3; i++ {
		msgs = append(msgs, []byte(fmt.Sprintf("message %d: %s\n", i, t.randomWord())))
	}
	t.reproduce("%s   # the three lines come back in order", t.ncLine(printfQuote(bytes.Join(msgs, nil))))
	for i, msg := range msgs {
		if err := t.expectEcho(c, msg); err != nil {
			f := asFailure(err)
			if i > 0 {
				f.Detail = fmt.Sprintf("this was message %d of 3 on the same connection; the ones before it were echoed", i+1)
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
	t.reproduce("head -c %d /dev/urandom | nc -N %s %s | wc -c   # prints %d", size, host, port, size)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()

	// The server echoes while the tester still sends: if nobody read, both
	// sides' buffers would fill and deadlock.
	sendErr := c.sendInBackground(payload, 4*t.timeout)
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
		return &failure{Summary: "sending the payload failed: " + describeNetErr(err, len(got)), cause: err, Hint: sendHint(err)}
	}
	return nil
}

func echoConcurrent(t *T) error {
	host, port := t.reproAddr()
	t.reproduce("for i in 1 2 3; do (sleep $((4 - i)); printf 'connection %%s says hi\\n' $i) | nc -N %s %s & sleep 0.2; done; wait   # opened 1, 2, 3; used 3, 2, 1", host, port)
	return t.inReverse(func(c *conn, i int) error {
		return t.expectEcho(c, []byte(fmt.Sprintf("connection %d says %s\n", i+1, t.randomWord())))
	}, func(i int) string {
		return fmt.Sprintf("three connections were opened, then used last first; connection %d got no echo", i+1)
	}, "a server that handles one connection at a time never reads the later ones while the first stays open: serve each connection concurrently (a goroutine each)")
}

// inReverse opens three connections before using any, then runs use on
// each, the last opened first, as CodeCrafters' concurrency stage does: a
// server that serves one connection at a time never reads the later ones
// while the first stays open. A failure gets detail(i) and hint.
func (t *T) inReverse(use func(c *conn, i int) error, detail func(i int) string, hint string) error {
	const n = 3
	conns, err := t.dialAll(n)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	for i := n - 1; i >= 0; i-- {
		if err := use(conns[i], i); err != nil {
			return annotate(err, detail(i), hint)
		}
	}
	return nil
}

func echoHalfClose(t *T) error {
	msg := []byte("last words " + t.randomWord() + "\n")
	t.reproduceRaw(msg)
	c, err := t.dialAndSend(msg)
	defer c.Close()
	if err != nil {
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
