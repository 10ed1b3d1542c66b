package main

import (
	"bytes"
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
		check{stage: 6, slug: "many-connections", name: "500 connections opened at once, each answered", read: readLoop, run: manyConnections},
		check{stage: 6, slug: "slow-client", name: "a client dribbling a request does not delay another", read: readLoop, run: slowClient},
		check{stage: 6, slug: "slow-reader", name: "a large response to a slow reader arrives intact", read: "stages/06-epoll.md#tests and docs/06-epoll.md#buffers-and-back-pressure", run: slowReader},
		check{stage: 6, slug: "disconnects", name: "clients vanishing mid-request or mid-response affect no one else", read: readLoop, run: disconnects},
	)
}

func manyConnections(t *T) error {
	const n = 500
	host, port := t.reproAddr()
	t.reproduce("wrk -t1 -c500 -d3s http://%s:%s/echo/hi   (Debian package wrk)", host, port)
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
		if _, err := t.expectResponse(conns[i], request("GET", "/echo/"+words[i], nil, nil), w); err != nil {
			f := asFailure(err)
			f.Detail = fmt.Sprintf("connection %d of %d, all opened before any request was sent", i+1, n)
			f.Hint = "every open connection must be served, however many there are: a loop that waits on one socket starves the rest"
			return f
		}
		return nil
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
	t.reproduce("nc -C localhost %s, type half a request and wait; meanwhile curl http://localhost:%s/echo/hi in another terminal", codecraftersPort, codecraftersPort)

	// Dribble in the background, one byte every 20 ms.
	dribbled := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		dribbled <- slow.sendSlowly(dribble, 1, 20*time.Millisecond)
		close(finished)
	}()
	time.Sleep(100 * time.Millisecond) // a few bytes are in

	fast := t.randomWord()
	if err := t.single(request("GET", "/echo/"+fast, nil, nil), textBody(fast)); err != nil {
		f := asFailure(err)
		f.Detail = "another client was sending its request one byte every 20 ms at the same time"
		f.Hint = "never block on one client: read what is ready and go back to the loop"
		<-finished
		return f
	}
	select {
	case <-finished:
		return &failure{Summary: "the quick request was answered only after the slow client had sent its whole request",
			Hint: "the server waited for the slow client; a ready socket must be served as soon as it is ready"}
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
	t.reproduce("curl --limit-rate 2M -o /dev/null -w '%%{size_download}\\n' http://localhost:%s/files/%s", codecraftersPort, name)
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
	time.Sleep(300 * time.Millisecond) // let the server fill the socket and hit EAGAIN
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
		time.Sleep(2 * time.Millisecond)
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
	t.reproduce("curl --max-time 0.01 http://localhost:%s/files/%s; curl -i http://localhost:%s/", codecraftersPort, name, codecraftersPort)
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
	if err := t.single(request("GET", "/echo/"+word, nil, nil), textBody(word)); err != nil {
		f := asFailure(err)
		f.Detail = "five clients had just left mid-request, and five mid-response with a reset"
		f.Hint = "a failed read or write (ECONNRESET, EPIPE) ends that connection only: close it, free its buffers, and keep serving"
		if exited := t.serverHint(); exited != "" {
			f.Hint = exited + "; " + f.Hint
		}
		return f
	}
	return nil
}
