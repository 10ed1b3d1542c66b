package main

import (
	"context"
	"fmt"
	"net"
	"time"
)

// waitListening waits until something accepts connections on port, for at
// most wait. It fails at once if the process exits first. A server that
// ignores PORT but listens on 4221, as CodeCrafters servers do, is found
// there, provided 4221 was free when it started.
func (s *server) waitListening(ctx context.Context, port string, wait time.Duration, probe4221 bool) (string, error) {
	addr := net.JoinHostPort("localhost", port)
	fallback := net.JoinHostPort("localhost", codecraftersPort)
	deadline := time.Now().Add(wait)
	for tries := 0; ; tries++ {
		if reachable(addr) {
			return addr, nil
		}
		if probe4221 && tries%5 == 4 && reachable(fallback) {
			s.rep.line("[tester]", "the server listens on %s, not on PORT=%s; testing it there (read PORT to run several testers at once)", codecraftersPort, port)
			return fallback, nil
		}
		select {
		case <-s.done:
			return "", &failure{
				Summary: fmt.Sprintf("the server %s before it listened on port %s", s.status, port),
				Detail:  s.lastOutput(),
				Hint:    s.byHandHint(),
			}
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", &failure{
				Summary: fmt.Sprintf("nothing accepted connections on port %s within %v", port, wait),
				Detail:  s.lastOutput(),
				Hint:    "the tester sets the PORT environment variable: listen on that port (CodeCrafters' fixed 4221 also works when it is free)",
			}
		}
	}
}

// byHandHint tells a learner to run the server by hand, as they would.
func (s *server) byHandHint() string {
	if s.spec.byHand == "" {
		return "run it by hand to see why it stops; it must keep running and accept connections"
	}
	return fmt.Sprintf("run it by hand to see why it stops (%s); it must keep running and accept connections", s.spec.byHand)
}
