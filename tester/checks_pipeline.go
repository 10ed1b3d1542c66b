package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// testHeaderTimeout is the header timeout the tester gives a server it
// starts from stage 6 on, with --header-timeout, so that a check can wait
// longer than it in a few seconds: the reference's default, 10 s, would
// make every run of stage 6 wait that long. It must stay well above the
// time slow-client takes to dribble its head (about 1.5 s).
const testHeaderTimeout = 3 * time.Second

// headerTimeoutStage is the first stage whose server is given
// --header-timeout, the stage whose checks need it.
const headerTimeoutStage = 6

// What pipelined-slow-reader sends and how long it stops reading: long
// enough past testHeaderTimeout for a loop that closes a connection on it,
// however late its sweep runs, to have done so.
const (
	pipeFiles    = 8       // distinct files, so that the order of the answers shows
	pipeRequests = 64      // requests pipelined on the one connection
	pipeFileSize = 1 << 20 // bytes in each file
	pipeStall    = testHeaderTimeout + 1500*time.Millisecond

	// pipeMemoryBound is how much the server's memory may grow while it
	// holds the answers for a client that reads none: half of them. A
	// loop that stops reading while output is pending holds about one
	// answer, and the kernel's socket buffers (up to 4 MiB) a few more,
	// whose garbage a collector may not have freed yet: 1 to 11 MiB for
	// the reference. One that does not stop holds them all.
	pipeMemoryBound = pipeRequests * pipeFileSize / 2
)

// pipeline is the state of one run of pipelined-slow-reader: the files,
// the order they are asked for, and the requests.
type pipeline struct {
	names    []string
	contents [][]byte
	order    []int // order[i] is the file the i-th request asks for
	reqs     [][]byte
}

// pipelinedSlowReader sends pipeRequests requests for 1 MiB files on one
// connection, all at once, reads nothing for pipeStall, then reads the
// answers slowly. Every answer must arrive whole and in order: while the
// answers wait for the client, the connection is governed by the deadline
// for a client that reads (the idle timeout), not by the header timeout,
// though whole requests sit in its input. And the server must stop reading
// while output is pending, so that its memory stays bounded.
func pipelinedSlowReader(t *T) error {
	p, err := t.pipelineFiles()
	if err != nil {
		return err
	}
	t.reproduce("%s", p.repro(t))
	first := want{code: 200, checkBody: true, body: p.contents[0], headers: map[string]string{"Content-Length": strconv.Itoa(pipeFileSize)}}
	if err := t.single(request("GET", "/files/"+p.names[0], nil, nil), first); err != nil {
		return annotate(err, "a 1 MiB file asked for on a connection of its own, before the pipelined requests", "")
	}
	base, meterErr := t.pipelineBaseline()
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if tc, ok := c.c.(*net.TCPConn); ok {
		tc.SetReadBuffer(64 << 10) // the answers back up into the server at once
	}
	if err := c.send(bytes.Join(p.reqs, nil)); err != nil {
		return err
	}
	probe := t.probeHeaderTimeout()
	peak := t.stallReading(base, meterErr)
	<-probe.done
	if err := t.readPipelined(c, p, probe); err != nil {
		return err
	}
	if err := t.judgePipelineMemory(base, peak, meterErr); err != nil {
		return err
	}
	return t.judgeProbe(probe)
}

// pipelineFiles writes the files in the served directory and plans the
// requests, no two in a row for the same file.
func (t *T) pipelineFiles() (*pipeline, error) {
	p := &pipeline{}
	for i := 0; i < pipeFiles; i++ {
		name := "pipe_" + t.randomFileName()
		content := t.randomBytes(pipeFileSize)
		if err := os.WriteFile(filepath.Join(t.files, name), content, 0o644); err != nil {
			return nil, err
		}
		p.names, p.contents = append(p.names, name), append(p.contents, content)
	}
	prev := 0
	for i := 0; i < pipeRequests; i++ {
		k := (prev + 1 + t.rng.Intn(pipeFiles-1)) % pipeFiles
		p.order = append(p.order, k)
		p.reqs = append(p.reqs, request("GET", "/files/"+p.names[k], nil, nil))
		prev = k
	}
	return p, nil
}

// repro is a command that does the same with one file: 64 requests, the
// last asking to close; the reader after nc waits 5 s before it reads, so
// nc, and the socket behind it, stop reading.
func (p *pipeline) repro(t *T) string {
	host, port := t.reproAddr()
	get := fmt.Sprintf(`GET /files/%s HTTP/1.1\r\nHost: localhost\r\n`, p.names[0])
	return fmt.Sprintf(`{ for i in $(seq %d); do printf '%s\r\n'; done; printf '%sConnection: close\r\n\r\n'; } | nc %s %s | { sleep %d; wc -c; }   # %d answers of %d bytes and their heads`,
		pipeRequests-1, get, get, host, port, int(pipeStall/time.Second)+1, pipeRequests, pipeFileSize)
}

// pipelineBaseline is the server's memory before the pipelined requests,
// once it has settled after the first file; err says why there is none.
func (t *T) pipelineBaseline() (residentSample, error) {
	if _, err := t.resident(); err != nil {
		return residentSample{}, err
	}
	s, _, err := t.settledResident()
	return s, err
}

// stallReading is the stimulus of the check: the client reads nothing for
// pipeStall. Meanwhile it samples the server's memory, and returns the
// largest sample (base when it cannot measure).
func (t *T) stallReading(base residentSample, meterErr error) residentSample {
	peak := base
	end := time.Now().Add(pipeStall)
	for time.Now().Before(end) && t.ctx.Err() == nil {
		if meterErr == nil {
			if s, err := t.resident(); err == nil && s.bytes > peak.bytes {
				peak = s
			}
		}
		time.Sleep(min(settlePoll, time.Until(end)))
	}
	return peak
}

// readPipelined reads the answers in order, slowly, each against the file
// its request asked for.
func (t *T) readPipelined(c *conn, p *pipeline, probe *headProbe) error {
	for i, k := range p.order {
		w := want{code: 200, checkBody: true, body: p.contents[k], more: i < len(p.order)-1,
			headers: map[string]string{"Content-Length": strconv.Itoa(pipeFileSize)}}
		c.expected = pipeFileSize
		resp, err := t.readFinal(c, p.reqs[i], false)
		c.expected = 0
		if err == nil {
			err = p.inOrder(i, resp)
		}
		if err == nil {
			err = t.checkResponse(c, p.reqs[i], resp, w)
		}
		if err != nil {
			return t.pipelineFailure(i, err, probe)
		}
		time.Sleep(10 * time.Millisecond) // the slow reader: a pause between answers
	}
	return nil
}

// inOrder fails an answer that carries another file than its request asked
// for: answers on a connection come in the order of its requests (RFC 9112
// §9.3.2).
func (p *pipeline) inOrder(i int, resp *response) error {
	k := p.order[i]
	if bytes.Equal(resp.body, p.contents[k]) {
		return nil
	}
	for j, content := range p.contents {
		if j != k && bytes.Equal(resp.body, content) {
			return &failure{
				Summary: fmt.Sprintf("answer %d of %d carries %s, but request %d asked for %s", i+1, pipeRequests, p.names[j], i+1, p.names[k]),
				Section: "RFC 9112 §9.3.2",
				Hint:    "answer a connection's requests one after the other, in the order they came, each answer written whole before the next one starts",
			}
		}
	}
	return nil // a body altered otherwise is for checkResponse to describe
}

// pipelineFailure explains an answer that did not arrive whole: when the
// server closed, the deadline it closed on.
func (t *T) pipelineFailure(i int, err error, probe *headProbe) error {
	f := asFailure(err)
	f.Detail = fmt.Sprintf("answer %d of %d; the client had sent all %d requests at once, then read nothing for %v, longer than the header timeout the tester gave the server (--header-timeout %v), and then read slowly",
		i+1, pipeRequests, pipeRequests, pipeStall, testHeaderTimeout)
	if errors.Is(err, errClosed) || errors.Is(err, syscall.ECONNRESET) {
		f.Summary = fmt.Sprintf("the server closed the connection after %d of %d answers, while the rest were still to be sent: %s", i, pipeRequests, f.Summary)
		f.Hint = pendingDeadlineHint
		if probe.ended > 0 {
			f.Hint += fmt.Sprintf(" (its header timeout ended a stalled head after %v here)", probe.ended.Round(100*time.Millisecond))
		}
	}
	return f
}

// pendingDeadlineHint names the usual cause of a connection cut while its
// answers wait for a client that has paused.
const pendingDeadlineHint = "keep the deadline of a connection with output pending: while answers wait for the client to read them, it gets the write (idle) timeout, renewed whenever it reads some; the header timeout is for a request head that has started to arrive, not for requests already whole in the input buffer"

// judgePipelineMemory fails a server whose memory grew by more than
// pipeMemoryBound while it held answers for a client that read none.
func (t *T) judgePipelineMemory(base, peak residentSample, meterErr error) error {
	if meterErr != nil {
		return t.advise(warning{
			Summary: "the answers came whole and in order, but the server's memory was not measured: " + meterErr.Error(),
			Section: "stages/06-epoll.md#tests",
			Why:     "a server that reads every pipelined request and queues every answer for a client that reads none passes the rest of this check; only its memory shows it: let the tester start the server (-dir or -cmd)",
		})
	}
	growth := peak.bytes - base.bytes
	t.measure("while the client read nothing for %v, the server's resident memory grew by %s (the bound is %s; the %d answers come to %s)",
		pipeStall, signedMiB(growth), mib(pipeMemoryBound), pipeRequests, mib(pipeRequests*pipeFileSize))
	if growth <= pipeMemoryBound {
		return nil
	}
	return &failure{
		Summary: fmt.Sprintf("while the client read nothing, the server's resident memory grew by %s, more than the %s the check allows: it went on reading the %d pipelined requests and queued their answers (%s in all) for a client that took none of them",
			mib(growth), mib(pipeMemoryBound), pipeRequests, mib(pipeRequests*pipeFileSize)),
		Section: "stages/06-epoll.md#tests",
		Detail:  fmt.Sprintf("resident memory %s before the requests, %s at its largest during the %v pause", mib(base.bytes), mib(peak.bytes), pipeStall),
		Hint:    "stop reading a connection while its output buffer holds more than a limit (the reference: 64 KiB), and read again once the client has taken it: back-pressure, which a blocking write gives a goroutine for free",
	}
}

// headProbe is a connection with a request head cut short, opened during
// the pause: a server whose header timeout is shorter than the pause ends
// it in time, which proves the pause was long enough to show the deadline
// of a connection with answers pending.
type headProbe struct {
	done  chan struct{}
	ended time.Duration // when the server ended it, from the first byte; 0 if it did not
	err   error         // why the probe could not be sent
}

// probeHeaderTimeout opens the probe; done closes when the server has
// ended it, or at the end of the pause.
func (t *T) probeHeaderTimeout() *headProbe {
	p := &headProbe{done: make(chan struct{})}
	c, err := t.dialAndSend([]byte("GET /echo/probe HTTP/1.1\r\nHost: loc"))
	if err != nil {
		p.err = err
		c.Close()
		close(p.done)
		return p
	}
	start := time.Now()
	go func() {
		defer close(p.done)
		defer c.Close()
		c.c.SetReadDeadline(start.Add(pipeStall))
		var b [512]byte
		if _, err := c.c.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			p.ended = time.Since(start) // an answer (408, 400), a close or a reset
		}
	}()
	return p
}

// judgeProbe warns when the pause did not outlast the server's header
// timeout: the answers then prove nothing about which deadline governs a
// connection with output pending.
func (t *T) judgeProbe(p *headProbe) error {
	if p.ended > 0 {
		return nil
	}
	why := "a server that swaps the deadline of pending output for the header timeout passes this check only when its header timeout is longer than the pause: the tester starts your server with --header-timeout 3s (card 6); accept it, and end a head that takes longer"
	if t.server == nil {
		why = "the tester did not start this server (-addr), so it could not give it --header-timeout 3s; a server that swaps the deadline of pending output for the header timeout passes this check when its header timeout is longer than the pause"
	}
	summary := fmt.Sprintf("a connection whose request head stopped half way was still open after %v, so the pause may not have outlasted the server's header timeout", pipeStall)
	if p.err != nil {
		summary = "the tester could not open a connection to see the server's header timeout: " + p.err.Error()
	}
	return t.advise(warning{Summary: summary, Section: "stages/06-epoll.md#tests", Why: why})
}
