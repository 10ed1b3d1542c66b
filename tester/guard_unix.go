//go:build unix

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// guardEnv marks the tester binary started as a guard: a small process
// between the tester and the server under test. The tester starts the guard
// with a pipe on its standard input; when the pipe closes, because the
// tester is done or has died in any way at all (SIGKILL, a closed terminal,
// a panic), the guard kills the server's whole process group and, on Linux,
// every process the server started, even one that left the group.
const guardEnv = "HTTPWORKBOOK_TESTER_GUARD"

// The guard reports to the tester on file descriptor 3, one line each:
// "started PID", or "start-error ERRNO MESSAGE"; then "exit CODE" or
// "signal NUMBER" once the server has ended.
const guardStatusFD = 3

// init runs the guard before anything else when this binary was started as
// one: by the tester, or by the test binary that doubles as the tester.
func init() {
	if os.Getenv(guardEnv) == "1" {
		os.Exit(runGuard(os.Args[1:]))
	}
}

// runGuard starts argv as the server, in a process group of its own, and
// stays until the tester lets go of it.
func runGuard(argv []string) int {
	status := os.NewFile(guardStatusFD, "status")
	if _, err := status.Stat(); err != nil || len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "tester guard: started without a status pipe or a command")
		return 2
	}
	becomeSubreaper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = withoutEnv(os.Environ(), guardEnv)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		var errno syscall.Errno
		errors.As(err, &errno)
		fmt.Fprintf(status, "start-error %d %s\n", int(errno), err)
		return 127
	}
	fmt.Fprintf(status, "started %d\n", cmd.Process.Pid)
	// From now on only the server holds the tester's output pipes, so the
	// tester sees them close when the server and its children are gone.
	os.Stdout.Close()
	os.Stderr.Close()

	released := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(released)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		reportExit(status, err)
		<-released
		sweep(cmd.Process.Pid)
	case <-released:
		sweep(cmd.Process.Pid)
		reportExit(status, <-exited)
	}
	return 0
}

// sweep kills whatever the server started that is still running: every
// descendant of the guard (Linux, where orphans are reparented to the guard)
// and the server's process group.
func sweep(group int) {
	for _, pid := range descendants(os.Getpid()) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	syscall.Kill(-group, syscall.SIGKILL)
}

// reportExit tells the tester how the server ended.
func reportExit(status io.Writer, err error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			fmt.Fprintf(status, "signal %d\n", int(ws.Signal()))
			return
		}
		fmt.Fprintf(status, "exit %d\n", ee.ExitCode())
		return
	}
	if err != nil {
		fmt.Fprintf(status, "exit 1\n")
		return
	}
	fmt.Fprintf(status, "exit 0\n")
}

// withoutEnv returns env without the variable key.
func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
