package main

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// probeGrace is how long the tester watches a learner's server after its
// readiness probe (a connection opened and closed without a byte), to tell
// a crash on that probe from a crash on the first check's request.
const probeGrace = 300 * time.Millisecond

// wrongPortGrace is how long a server may listen on other ports only before
// the tester concludes it ignores PORT.
const wrongPortGrace = 2 * time.Second

// bufferAdvice says why a server's output may never appear and what to do.
const bufferAdvice = "its standard output is a pipe here, not a terminal, and many languages then hold output back until a buffer fills, and lose it if the process dies: flush after each line (fflush(stdout), or setvbuf(stdout, NULL, _IOLBF, 0) at the start, in C; $stdout.sync = true in Ruby; python3 -u in Python, though the tester sets PYTHONUNBUFFERED=1 for you)"

// waitListening waits until something accepts connections on port, for at
// most wait. It fails at once if the process exits first. A server that
// ignores PORT but listens on CodeCrafters' 4221 is tested there, if the
// tester can tell that the listener on 4221 is a process it started.
func (s *server) waitListening(ctx context.Context, port string, wait time.Duration, probe4221 bool) (string, error) {
	addr := net.JoinHostPort("localhost", port)
	deadline := time.Now().Add(wait)
	var elsewhere time.Time // when it was first seen listening on other ports only
	for tries := 0; ; tries++ {
		if reachable(addr) {
			return addr, s.afterProbe(addr)
		}
		if probe4221 && tries%5 == 4 {
			if fallback, ok := s.fallback(); ok {
				return fallback, s.afterProbe(fallback)
			}
		}
		if f := s.wrongPort(probe4221, &elsewhere); f != nil {
			return "", f
		}
		select {
		case <-s.done:
			return "", s.exitedEarly()
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", s.neverListened(wait, probe4221)
		}
	}
}

// fallback reports whether the server listens on the fallback port, and
// tests it there only if it is the server's own listener: someone else's
// program on 4221 is never tested. Where the platform cannot tell, the
// listener is taken to be the server's if the port was free when it started.
func (s *server) fallback() (string, bool) {
	fp := fallbackPort()
	addr := net.JoinHostPort("localhost", fp)
	n, _ := strconv.Atoi(fp)
	switch h, _ := s.child.whoListens(n); {
	case h == holderOurs:
		s.rep.line("[tester]", "the server listens on %s, not on PORT=%s; testing it there (read PORT to run several testers at once)", fp, s.port)
		return addr, true
	case h == holderUnknown && s.free4221 && reachable(addr):
		s.rep.line("[tester]", "something listens on %s, not on PORT=%s; this system cannot tell which program it is, but %s was free when your server started, so testing it there (read PORT to run several testers at once)", fp, s.port, fp)
		return addr, true
	}
	return "", false
}

// wrongPort fails a server that listens, but only on ports other than the
// one PORT gives it (and the fallback), for longer than wrongPortGrace.
// Only Linux can list a process tree's ports; elsewhere it never fails.
func (s *server) wrongPort(probe4221 bool, since *time.Time) *failure {
	var others []string
	for _, p := range s.child.listeningPorts() {
		if ps := strconv.Itoa(p); ps != s.port && !(probe4221 && ps == fallbackPort()) {
			others = append(others, ps)
		}
	}
	switch {
	case len(others) == 0:
		*since = time.Time{}
		return nil
	case since.IsZero():
		*since = time.Now()
		return nil
	case time.Since(*since) < wrongPortGrace:
		return nil
	}
	return &failure{
		Summary: fmt.Sprintf("the server listens on port %s, not on port %s, which the PORT environment variable gives it", strings.Join(others, " and "), s.port),
		Detail:  s.lastOutput(),
		Hint:    "read the port to listen on from the PORT environment variable, falling back to CodeCrafters' 4221 when it is unset",
	}
}

// afterProbe watches a learner's server for a moment after the readiness
// probe: a crash there is a classic fault, and silence at this point is when
// a note on buffered output is truthful.
func (s *server) afterProbe(addr string) error {
	s.tested = addr
	if !s.spec.learner {
		return nil
	}
	if s.diedOnProbe(addr) {
		return &failure{
			Summary: fmt.Sprintf("the server %s right after the tester's readiness probe", s.status),
			Detail:  "the tester opened a connection and closed it without sending anything, as any health check does; your server exited. " + capitalise(s.lastOutput()),
			Hint:    "a client may close a connection before sending a request: when a read returns end of stream (0 bytes) or an error, close that connection and go back to accepting others; never let one connection end the server",
		}
	}
	if s.printedNothing() {
		s.rep.line("[tester]", "note: your server listens but has printed nothing yet. If it does print at startup, %s", bufferAdvice)
	}
	return nil
}

// diedOnProbe reports whether the server exited within probeGrace of the
// probe. A listener already gone at the end of it means the process is on
// its way out, however slowly the news of its exit arrives.
func (s *server) diedOnProbe(addr string) bool {
	select {
	case <-s.done:
		return true
	case <-time.After(probeGrace):
	}
	if _, port, _ := net.SplitHostPort(addr); portInUse(port) {
		return false
	}
	select {
	case <-s.done:
		return true
	case <-time.After(2 * time.Second):
		return false
	}
}

// exitedEarly explains a server that exited before it listened.
func (s *server) exitedEarly() *failure {
	f := &failure{
		Summary: fmt.Sprintf("the server %s before it listened on port %s", s.status, s.port),
		Detail:  s.lastOutput(),
		Hint:    fmt.Sprintf("run it by hand to see why it stops (%s); it must keep running and accept connections", s.spec.byHand),
	}
	if s.spec.byHand == "" {
		f.Hint = "run it by hand to see why it stops; it must keep running and accept connections"
	}
	if s.spec.learner && s.printedNothing() {
		f.Detail = "it printed nothing. If it did print before it stopped, the output was lost in a buffer that was never flushed: " + bufferAdvice
	}
	if s.spec.learner && slices.Contains(s.spec.argv, "--header-timeout") {
		f.Hint += fmt.Sprintf("; from stage %d on, the tester starts it with --header-timeout %v besides --directory (stages/06-epoll.md#tests): if it stopped at a flag it does not know, accept that one", headerTimeoutStage, testHeaderTimeout)
	}
	return f
}

// neverListened explains a server that runs but never accepted connections
// on its port, and why the fallback port was not tested.
func (s *server) neverListened(wait time.Duration, probe4221 bool) *failure {
	f := &failure{
		Summary: fmt.Sprintf("nothing accepted connections on port %s within %v", s.port, wait),
		Detail:  s.lastOutput(),
		Hint:    "the tester sets the PORT environment variable: listen on that port (CodeCrafters' fixed 4221 also works when it is free)",
	}
	if !probe4221 {
		return f
	}
	fp := fallbackPort()
	n, _ := strconv.Atoi(fp)
	switch h, who := s.child.whoListens(n); {
	case h == holderOther:
		f.Summary += fmt.Sprintf("; port %s is held by another program, %s, which the tester did not start, so it did not test it", fp, who)
	case h == holderUnknown && !s.free4221 && portInUse(fp):
		f.Summary += fmt.Sprintf("; port %s was already in use when your server started, so the tester did not test it there", fp)
	}
	return f
}

// capitalise makes a clause the start of a sentence.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
