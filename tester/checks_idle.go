package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// How idle-memory measures what an idle connection costs the server. The
// figures it separates, measured on a 2-core machine (chapter 6): an epoll
// loop in Go keeps about 1.4 KiB per idle connection and one in Python
// 0.7 KiB; a goroutine per connection 15 KiB and a thread per connection
// in Python 21.6 KiB. The bound sits between the two kinds with a margin
// of about three times on either side.
const (
	idleConns   = 2000    // the connections measured
	idleWarmup  = 500     // opened first, and open during the baseline: as many as many-connections opened, whose freed memory they take up
	idleDialers = 64      // connections being opened at the same time
	idleBound   = 4 << 10 // bytes of resident memory per idle connection

	// idleSpareFiles are the descriptors the tester needs besides the
	// connections: its own files, pipes and the server's output.
	idleSpareFiles = 64
)

// idleMemory holds idleConns keep-alive connections open and idle, one
// request answered on each, and measures how much the server's resident
// memory grew for them. The baseline is taken with idleWarmup connections
// already open, so that what a runtime allocates once (heap arenas, a
// thread or two, the first buffers) does not count, and each figure is
// read once the memory has stopped moving.
func idleMemory(t *T) error {
	raiseFileLimit() // already done when the tester started the server
	t.reproduce("%s", idleRepro(t))
	if w, ok := t.roomForIdle(); !ok {
		return t.advise(w)
	}
	_, meterErr := t.resident()
	warm, err := t.openIdle(0, idleWarmup)
	defer closeIdle(warm)
	if err != nil {
		return err
	}
	var base residentSample
	if meterErr == nil {
		if base, _, err = t.settledResident(); err != nil {
			return err
		}
	}
	conns, err := t.openIdle(idleWarmup, idleConns)
	defer closeIdle(conns)
	if err != nil {
		return err
	}
	if meterErr != nil {
		return t.advise(notMeasured(meterErr))
	}
	after, settled, err := t.settledResident()
	if err != nil {
		return err
	}
	return t.judgeIdle(base, after, settled)
}

// judgeIdle compares the growth of the server's memory, per connection,
// with idleBound.
func (t *T) judgeIdle(base, after residentSample, settled bool) error {
	growth := after.bytes - base.bytes
	per := float64(growth) / idleConns
	t.measure("%s idle connections: %s of resident memory, %s each (the bound is %s; the stage 6 reference needs about 1.4 KiB)",
		grouped(idleConns), signedMiB(growth), kib(per), kib(idleBound))
	if per <= idleBound {
		return nil
	}
	processes := "the process"
	if after.procs > 1 {
		processes = fmt.Sprintf("the %d processes", after.procs)
	}
	detail := fmt.Sprintf("measured over %s the tester started: %s with %d warm-up connections open, %s once %s more had each had one request answered and sat idle",
		processes, mib(base.bytes), idleWarmup, mib(after.bytes), grouped(idleConns))
	if !settled {
		detail += fmt.Sprintf(" (it was still changing after %v)", settleWithin)
	}
	return &failure{
		Summary: fmt.Sprintf("holding %s idle keep-alive connections, the server's resident memory grew by %s: %s a connection, over the %s the check allows. "+
			"An event loop keeps about 1.4 KiB for an idle connection (the stage 6 reference): its socket, a small struct and an entry in a table; "+
			"a goroutine or a thread per connection keeps a stack each, and its buffers, though the client says nothing",
			grouped(idleConns), mib(growth), kib(per), kib(idleBound)),
		Section: "stages/06-epoll.md#tests",
		Detail:  detail,
		Hint:    "serve the connections from an event loop (epoll, kqueue) instead of a goroutine or thread each; keep a connection's buffers only while a request or an answer is in them",
	}
}

// grouped writes n with a comma between thousands, as the cards do.
func grouped(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// roomForIdle makes sure the tester may hold the connections, each a file
// descriptor (and as many for the server), and returns the warning that
// says why the check cannot run when it may not.
func (t *T) roomForIdle() (warning, bool) {
	soft, hard, ok := fileLimits()
	need := uint64(idleWarmup + idleConns + idleSpareFiles)
	if !ok || soft >= need {
		return warning{}, true
	}
	return warning{
		Summary: fmt.Sprintf("the check did not run: the tester may open %d files (the hard limit is %d) and needs %d, one for each of %d connections, and the server as many",
			soft, hard, need, idleWarmup+idleConns),
		Section: "stages/06-epoll.md#tests",
		Why:     "the point of stage 6 is what an idle connection costs, and this run could not see it: raise the limit on open files (ulimit -n 4096; the hard limit is in /etc/security/limits.conf, or launchctl limit maxfiles on macOS) and run the tester again",
	}, false
}

// notMeasured is the warning of a run that could open the connections but
// could not read the server's memory: the lesson is not proven.
func notMeasured(err error) warning {
	return warning{
		Summary: fmt.Sprintf("the server held %s idle connections, but their memory was not measured: %v", grouped(idleConns), err),
		Section: "stages/06-epoll.md#tests",
		Why:     "the point of stage 6 is what an idle connection costs, and this run could not see it: let the tester start the server (-dir or -cmd) on Linux, macOS or a BSD",
	}
}

// openIdle opens n keep-alive connections, idleDialers at a time, sends one
// GET /echo/ on each and reads its answer, and returns them open. Only the
// sockets are kept, not the tester's buffers: holding 2,000 connections
// costs the tester their descriptors, not 2,000 read buffers. Numbers go
// from first+1, for the messages.
func (t *T) openIdle(first, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	err := inParallelN(n, idleDialers, func(i int) error {
		where := fmt.Sprintf("connection %s of %s, opened while up to %s others were already open and idle", grouped(first+i+1), grouped(idleWarmup+idleConns), grouped(first+i))
		c, err := t.dial()
		if err != nil {
			return annotate(err, where, idleDialHint(err))
		}
		word := fmt.Sprintf("idle%d", first+i)
		w := textBody(word)
		w.more = true
		if _, err := t.exchange(c, request("GET", "/echo/"+word, nil, nil), w); err != nil {
			c.Close()
			return annotate(err, where, idleAnswerHint(err))
		}
		conns[i] = c.c
		return nil
	})
	return conns, err
}

// closeIdle closes what openIdle opened.
func closeIdle(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// acceptUntilEAGAIN is the hint for a connection that got no answer while
// others did: the usual cause in an event loop.
const acceptUntilEAGAIN = "accept until EAGAIN: one readiness report on the listening socket may stand for many connections, and an edge-triggered loop that accepts one per report leaves the rest waiting in the kernel's queue, unanswered (docs/06-epoll.md#accepting)"

// idleAnswerHint explains a connection of idle-memory that was not served.
func idleAnswerHint(err error) string {
	switch {
	case errors.Is(err, errTimeout):
		return acceptUntilEAGAIN
	case errors.Is(err, errClosed), errors.Is(err, syscall.ECONNRESET):
		return "the server closed a connection that had just been opened: if its output says \"too many open files\", its limit on open files is too low (it inherits the tester's unless it lowers it); otherwise keep every connection until its client closes it or the idle timeout passes"
	}
	return ""
}

// idleDialHint explains a connection of idle-memory that could not be
// opened.
func idleDialHint(err error) string {
	if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
		return "the tester itself ran out of file descriptors: raise the limit on open files (ulimit -n 4096) and run it again"
	}
	return "the kernel's queue of connections waiting to be accepted is full: listen with a backlog of a few hundred, and " + acceptUntilEAGAIN
}

// signedMiB is mib for a growth, which the noise of a small one can make
// negative.
func signedMiB(b int64) string {
	if b < 0 {
		return "-" + mib(-b)
	}
	return "+" + mib(b)
}

// idleRepro is a command that holds 2,000 idle connections to the
// learner's server for a few seconds, and prints the server's resident
// memory, in KiB, while they are open. Python opens them, raising its own
// limit on open files first; the server started by hand needs room too.
func idleRepro(t *T) string {
	host, port := t.reproAddr()
	py := fmt.Sprintf(`import socket,time,resource as r;s,h=r.getrlimit(r.RLIMIT_NOFILE);r.setrlimit(r.RLIMIT_NOFILE,(min(h%%2**63,9999),h));c=[socket.create_connection(("%s",%s)) for i in range(%d)];[k.sendall(b"GET /echo/i HTTP/1.1\r\nHost: localhost\r\n\r\n") or k.recv(99) for k in c];time.sleep(4)`,
		host, port, idleConns)
	return fmt.Sprintf("python3 -c '%s' & sleep 3; ps -o rss= -p $(lsof -t -iTCP:%s -sTCP:LISTEN); wait   # KiB, %s idle", py, port, grouped(idleConns))
}
