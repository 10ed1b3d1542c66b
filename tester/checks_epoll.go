package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// readLoop is where a failed stage-6 check sends the learner.
const readLoop = "stages/06-epoll.md#tests and docs/06-epoll.md"

func init() {
	register(
		check{stage: 6, slug: "many-connections", name: "500 connections opened at once, each answered", read: "stages/06-epoll.md#tests and docs/06-epoll.md#accepting", run: manyConnections, hints: []string{
			"Look at how your event loop accepts connections and how many it can hold: 500 are opened before any request is sent, and a connection that gets no answer was most likely never accepted.",
			"The usual cause is one accept per readiness event: under edge triggering the report stands for every connection waiting, and those not accepted get no new one; else a small backlog, a fixed table, or the open-file limit.",
			"Accept until EAGAIN: when the listening socket is ready, call accept in a loop until it fails with EAGAIN; keep connections in a map by file descriptor, and listen with a backlog of a few hundred.",
		}},
		check{stage: 6, slug: "idle-memory", name: "2,000 idle keep-alive connections cost the server little memory", read: "stages/06-epoll.md#tests and docs/06-epoll.md#memory-per-idle-connection", run: idleMemory, hints: []string{
			"Look at what your server keeps for a connection that has been answered and waits for its next request: the tester holds 2,000 of them open and measures how much your server's resident memory grew.",
			"A goroutine or a thread per connection keeps a stack each (8 KiB or more) and its read buffer, whether the client sends anything or not; that is the cost an event loop exists to avoid.",
			"Serve every connection from one event loop per core, non-blocking, and give a connection an input or output buffer only while a request or an answer is in it; free it once it is empty.",
		}},
		check{stage: 6, slug: "slow-client", name: "a client dribbling a request does not delay another", read: readLoop, run: slowClient, hints: []string{
			"Look at what your loop does with a connection whose request is not complete yet: one client sends a byte every 20 ms while another sends a whole request.",
			"The loop probably reads one connection until its request is complete (a blocking read, or a loop on one socket), so that every other client waits.",
			"Read what is ready, append it to that connection's buffer, and go back to the event loop; parse only once the buffer holds a whole request.",
		}},
		check{stage: 6, slug: "slow-reader", name: "a large response to a slow reader arrives intact", read: "stages/06-epoll.md#tests and docs/06-epoll.md#buffers-and-back-pressure", run: slowReader, hints: []string{
			"Look at how your loop writes a response larger than the socket takes at once: the tester asks for a 6 MiB file and reads it slowly.",
			"A non-blocking write takes only part of the bytes and fails with EAGAIN for the rest; the rest is probably dropped, or the loop spins or blocks on it.",
			"Keep the bytes not yet written in the connection's output buffer, watch the socket for writability (EPOLLOUT), write more when it is ready, and stop watching once the buffer is empty.",
		}},
		check{stage: 6, slug: "pipelined-slow-reader", name: "64 pipelined requests for large files, read after a pause, arrive whole and in order", read: "stages/06-epoll.md#tests and docs/06-epoll.md#buffers-and-back-pressure", run: pipelinedSlowReader, hints: []string{
			"Look at what your loop does with a connection whose answers wait for a client that has paused, while more whole requests sit in its input buffer: the tester sends 64 requests at once, reads nothing for 4.5 s, then reads slowly.",
			"The deadline probably changes meaning once an answer is queued: the header timeout (3 s here) set because input is buffered cuts the connection, or the loop keeps reading requests and queues every answer.",
			"While output is pending, keep the write deadline (the idle timeout, renewed whenever the client reads) and stop reading that connection; once its output is written, serve the requests that waited, in order.",
		}},
		check{stage: 6, slug: "disconnects", name: "clients vanishing mid-request or mid-response affect no one else", read: readLoop, run: disconnects, hints: []string{
			"Look at how your loop handles an error on one connection: clients leave in the middle of a request, and reset the connection in the middle of a response.",
			"A failed read or write (ECONNRESET, EPIPE) probably ends the whole loop or the process (SIGPIPE kills a C program by default) instead of that one connection.",
			"On a read of 0 bytes or an error, close that connection, remove it from the poller and free its state; ignore SIGPIPE (signal(SIGPIPE, SIG_IGN) in C; Go does it for you).",
		}},
	)
}

func manyConnections(t *T) error {
	const n = 500
	host, port := t.reproAddr()
	t.reproduce(`python3 -c 'import socket as s;c=[s.create_connection(("%s",%s),5) for i in range(%d)];[k.sendall(b"GET /echo/hi HTTP/1.1\r\nHost: localhost\r\n\r\n") for k in c];print(sum(b" 200 " in k.recv(99) for k in c),"of %d answered")'   # a timeout: one was never accepted`,
		host, port, n, n)
	conns, err := t.dialAll(n)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	words := make([]string, n)
	for i := range words {
		words[i] = t.randomWord() + strconv.Itoa(i)
	}
	// Send on every connection first, then read every answer: all 500 are
	// in flight at once.
	for i, c := range conns {
		if err := c.send(request("GET", "/echo/"+words[i], nil, nil)); err != nil {
			return err
		}
	}
	return inParallel(n, func(i int) error {
		w := textBody(words[i])
		w.more = true
		_, err := t.expectResponse(conns[i], request("GET", "/echo/"+words[i], nil, nil), w)
		hint := ""
		if errors.Is(err, errTimeout) {
			hint = acceptUntilEAGAIN + "; a loop that waits on one socket starves the rest the same way"
		}
		return annotate(err, fmt.Sprintf("connection %d of %d, all opened before any request was sent", i+1, n), hint)
	})
}

func slowClient(t *T) error {
	slow, err := t.dial()
	if err != nil {
		return err
	}
	defer slow.Close()
	word := t.randomWord()
	dribble := request("GET", "/echo/"+word, []string{"User-Agent: dribbler"}, nil)
	host, port := t.reproAddr()
	t.reproduceHTTP(fmt.Sprintf("{ printf 'GET /echo/slow HTTP/1.1\\r\\nHo'; sleep 2; printf 'st: %s\\r\\n\\r\\n'; } | nc -N %s %s & sleep 0.5; curl -i %s; wait   # the quick answer comes first",
		host, host, port, t.reproURL("/echo/quick")), 200)

	// The first bytes go from here, so the slow request has surely begun
	// before the quick one is sent; the rest dribble from a goroutine, one
	// byte every 20 ms.
	const head = 4
	if err := slow.sendSlowly(dribble[:head], 1, 20*time.Millisecond); err != nil {
		return err
	}
	dribbled := make(chan error, 1)
	go func() { dribbled <- slow.sendSlowly(dribble[head:], 1, 20*time.Millisecond) }()

	fast := t.randomWord()
	if err := t.single(request("GET", "/echo/"+fast, nil, nil), textBody(fast)); err != nil {
		<-dribbled
		return annotate(err, "another client was sending its request one byte every 20 ms at the same time",
			"never block on one client: read what is ready and go back to the loop")
	}
	select {
	case err := <-dribbled:
		if err == nil {
			return &failure{Summary: "the quick request was answered only after the slow client had sent its whole request",
				Hint: "the server waited for the slow client; a ready socket must be served as soon as it is ready"}
		}
		return err
	default:
	}
	if err := <-dribbled; err != nil {
		return err
	}
	_, err = t.expectResponse(slow, dribble, textBody(word))
	return err
}

// writeBigFile puts size random bytes in the served directory and returns
// its name and content.
func (t *T) writeBigFile(size int) (string, []byte, error) {
	name := "big_" + t.randomFileName()
	content := t.randomBytes(size)
	return name, content, os.WriteFile(filepath.Join(t.files, name), content, 0o644)
}

func slowReader(t *T) error {
	const size = 6 << 20
	name, content, err := t.writeBigFile(size)
	if err != nil {
		return err
	}
	t.reproduce("curl --limit-rate 2M -o /dev/null -w '%%{size_download}\\n' %s   # prints %d", t.reproURL("/files/"+name), size)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	// A small receive window makes the server's writes partial.
	if tc, ok := c.c.(*net.TCPConn); ok {
		tc.SetReadBuffer(16 * 1024)
	}
	req := request("GET", "/files/"+name, nil, nil)
	if err := c.send(req); err != nil {
		return err
	}
	// Not reading is the stimulus, not a wait for a state: for these
	// 300 ms the server's writes fill the small receive window and then
	// the socket's buffer, and a non-blocking write comes back short.
	time.Sleep(300 * time.Millisecond)
	hint := "a write to a non-blocking socket may take only part of the buffer: keep the rest and write it when the socket is writable again"
	head, err := c.readUntil([]byte("\r\n\r\n"), 64*1024)
	if err != nil {
		return &failure{Summary: err.Error(), Sent: req, Got: head, Hint: hint}
	}
	body := make([]byte, 0, size)
	for len(body) < size {
		chunk, err := c.readN(min(64*1024, size-len(body)))
		body = append(body, chunk...)
		if err != nil {
			return &failure{
				Summary: fmt.Sprintf("the %d-byte file stopped after %d bytes: %v", size, len(body), err),
				Hint:    hint,
			}
		}
		time.Sleep(2 * time.Millisecond) // the slow reader itself: a pause between reads
	}
	if !bytes.Equal(body, content) {
		i := firstDiff(content, body)
		return &failure{Summary: fmt.Sprintf("the %d-byte file arrived altered, first at byte %d", size, i),
			Hint: "after a partial write, resume from the first byte not yet written"}
	}
	return nil
}

func disconnects(t *T) error {
	const size = 4 << 20
	name, _, err := t.writeBigFile(size)
	if err != nil {
		return err
	}
	t.reproduce("curl --max-time 0.01 %s; curl -i %s   # the first gives up at once, the second is answered", t.reproURL("/files/"+name), t.reproURL("/"))
	for round := 0; round < 5; round++ {
		// Mid-request: half a head, then gone.
		c, err := t.dial()
		if err != nil {
			return err
		}
		c.send([]byte("GET /echo/half HTTP/1.1\r\nHost: loc"))
		c.Close()

		// Mid-response: ask for 4 MiB, read a little, then reset.
		c, err = t.dial()
		if err != nil {
			return err
		}
		c.send(request("GET", "/files/"+name, nil, nil))
		c.readN(1024)
		if tc, ok := c.c.(*net.TCPConn); ok {
			tc.SetLinger(0) // close with RST, as a crashed client would
		}
		c.Close()
	}
	word := t.randomWord()
	err = t.single(request("GET", "/echo/"+word, nil, nil), textBody(word))
	hint := "a failed read or write (ECONNRESET, EPIPE) ends that connection only: close it, free its buffers, and keep serving"
	if exited := t.serverHint(); err != nil && exited != "" {
		hint = exited + "; " + hint
	}
	return annotate(err, "five clients had just left mid-request, and five mid-response with a reset", hint)
}
