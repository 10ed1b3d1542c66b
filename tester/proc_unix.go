//go:build unix

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is the server process as the tester controls it on Unix: through a
// guard (see guardEnv) that started it in a process group of its own.
type child struct {
	guard   *exec.Cmd
	control *os.File // the guard's standard input; closing it releases the guard
	status  *bufio.Reader
	pid     int // the server's process, and its process group
	guarded chan struct{}
}

// startChild starts spec's command under a guard, with out and errOut as
// its standard output and error, and returns once it has started.
func startChild(spec launchSpec, env []string, out, errOut *os.File) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the tester's own binary, to guard the server: %w", err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stR, stW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, err
	}
	g := exec.Command(exe, spec.argv...)
	g.Args[0] = "httpworkbook-tester-guard"
	g.Dir = spec.dir
	g.Env = append(append([]string(nil), env...), guardEnv+"=1")
	g.Stdin, g.Stdout, g.Stderr = ctlR, out, errOut
	g.ExtraFiles = []*os.File{stW}
	// A group of its own, so that Ctrl-C in the terminal reaches only the
	// tester, which then stops the server in order.
	g.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = g.Start()
	ctlR.Close()
	stW.Close()
	if err != nil {
		ctlW.Close()
		stR.Close()
		return nil, fmt.Errorf("start the tester's guard process: %w", err)
	}
	c := &child{guard: g, control: ctlW, status: bufio.NewReader(stR), guarded: make(chan struct{})}
	go func() {
		g.Wait()
		stR.Close()
		close(c.guarded)
	}()
	return c, c.started(spec.argv)
}

// started reads the guard's first report: the server's pid, or why it
// could not be started.
func (c *child) started(argv []string) error {
	word, rest := c.report()
	switch word {
	case "started":
		pid, err := strconv.Atoi(rest)
		if err == nil {
			c.pid = pid
			return nil
		}
	case "start-error":
		n, msg, _ := strings.Cut(rest, " ")
		errno, _ := strconv.Atoi(n)
		c.release()
		return &startError{argv: argv, msg: msg, errno: syscall.Errno(errno)}
	}
	c.release()
	return fmt.Errorf("start %s: the tester's guard process failed", strings.Join(argv, " "))
}

// report reads one line from the guard: a word and the rest.
func (c *child) report() (string, string) {
	line, err := c.status.ReadString('\n')
	if err != nil {
		return "", ""
	}
	word, rest, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	return word, rest
}

// wait blocks until the server has exited and says how.
func (c *child) wait() string {
	switch word, rest := c.report(); word {
	case "exit":
		return "exited with status " + rest
	case "signal":
		n, _ := strconv.Atoi(rest)
		return "was killed (signal: " + syscall.Signal(n).String() + ")"
	}
	return "ended: the tester lost track of it"
}

// terminate asks the server and its process group to stop.
func (c *child) terminate() { c.signalGroup(syscall.SIGTERM) }

// signalGroup signals the server's process group. The check matters: a
// group of 0 would be the tester's own.
func (c *child) signalGroup(sig syscall.Signal) {
	if c.pid > 0 {
		syscall.Kill(-c.pid, sig)
	}
}

// release lets go of the guard, which kills whatever is left of what the
// server started, and waits for it. It is safe to call more than once.
func (c *child) release() {
	c.control.Close()
	select {
	case <-c.guarded:
	case <-time.After(5 * time.Second):
		// Never expected: the guard is the tester's own code.
		c.guard.Process.Kill()
		c.signalGroup(syscall.SIGKILL)
		<-c.guarded
	}
}

// tree lists the processes the run started that are still alive, where the
// platform can tell (Linux); the guard's descendants include orphans.
func (c *child) tree() []int { return descendants(c.guard.Process.Pid) }

// inGroup reports whether pid belongs to the server's process group.
func (c *child) inGroup(pid int) bool {
	pgid, err := syscall.Getpgid(pid)
	return err == nil && pgid == c.pid
}

// startError is the reason the server could not be started at all.
type startError struct {
	argv  []string
	msg   string
	errno syscall.Errno
}

func (e *startError) Error() string { return e.msg + startHint(e.errno) }

func (e *startError) Unwrap() error { return e.errno }

// startHint explains the errors exec gives for a file it cannot run.
func startHint(errno syscall.Errno) string {
	switch {
	case errors.Is(errno, syscall.ENOEXEC):
		return " (not a program this system can run: a script needs a #! line such as #!/bin/sh)"
	case errors.Is(errno, syscall.EACCES):
		return " (not executable: chmod +x it)"
	case errors.Is(errno, syscall.ENOENT):
		return " (the file, or the interpreter its #! line names, does not exist)"
	}
	return ""
}

// processRuns reports whether a process with this ID exists: signal 0
// checks without sending anything, and EPERM means it exists but is
// another user's.
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
