package main

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// leftoverSlug names the check, made after a stage's run, that nothing the
// server started still listens once it has exited.
const leftoverSlug = "nothing-left-running"

// leftoverCheck is the check that afterRun reports; it is not registered,
// since it runs after every stage that started a server, not as a step of
// one.
var leftoverCheck = check{slug: leftoverSlug, name: "leaves nothing running after it exits", hints: []string{
	"Look at how your_program.sh starts your server, and at whether the server starts other processes: something it started still listened on the port after the tester stopped it.",
	"Usually your_program.sh runs the server without exec, or in the background with &, or the server daemonizes or calls setsid, so that the stop signal never reaches the process that listens.",
	`End your_program.sh with exec and "$@" (exec python3 -u app/main.py "$@"), start nothing in the background, and on SIGTERM stop any child process before exiting.`,
}}

// leftoverGrace is how long processes killed with the server may take to
// close their sockets before one still listening counts as left behind.
const leftoverGrace = time.Second

// findLeftover looks, once the server has exited, for a listener it left on
// the port it was tested on: a child that called setsid, or a daemon that
// forked away, and escaped the signal to the server's process group. On the
// server's own PORT any listener counts, since the port was free and given
// to it alone; on the fallback port only one the run started.
func (s *server) findLeftover() *failure {
	if s.tested == "" {
		return nil
	}
	_, port, _ := net.SplitHostPort(s.tested)
	n, _ := strconv.Atoi(port)
	deadline := time.Now().Add(leftoverGrace)
	for {
		h, who := s.child.whoListens(n)
		switch {
		case h == holderNone,
			h == holderUnknown && !reachable(s.tested),
			h == holderOther && port != s.port:
			return nil
		}
		if time.Now().After(deadline) {
			return leftoverFailure(port, who)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// leftoverFailure explains what was left listening.
func leftoverFailure(port, who string) *failure {
	f := &failure{
		Summary: fmt.Sprintf("something your program started still listens on port %s after it exited", port),
		Hint:    "when your server gets SIGTERM, it must end everything it started: keep child processes in its process group (no setsid, no daemonizing) and stop them before it exits",
	}
	if who != "" {
		f.Detail = "it is " + who + ", which escaped the signal sent to your program's process group"
	} else {
		f.Detail = "it escaped the signal sent to your program's process group"
	}
	return f
}

// afterSweep says whether the tester's final sweep ended the leftover.
func (s *server) afterSweep() string {
	_, port, _ := net.SplitHostPort(s.tested)
	for deadline := time.Now().Add(leftoverGrace); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !portInUse(port) {
			return "; the tester has now killed it"
		}
	}
	return "; it is still running: find it with  lsof -i :" + port + "  and kill it"
}

// afterRun reports, as one more failed check of the stage, a listener the
// server left behind, so that such a run never counts as passed. After an
// earlier failure it only prints it, so that the stage's verdict still
// points at the first failure.
func (s *server) afterRun(rep *reporter, prefix string, stage int, res *stageResult) {
	if s == nil || s.leftover == nil {
		return
	}
	c := leftoverCheck
	c.stage = stage
	printFailure(rep, prefix, c, s.leftover, nil, nil)
	for _, cr := range res.Checks {
		if !cr.Passed {
			return
		}
	}
	res.Planned = append(res.Planned, c.slug)
	res.Checks = append(res.Checks, checkResult{Stage: stage, Slug: c.slug, Name: c.name, Failure: s.leftover})
}
