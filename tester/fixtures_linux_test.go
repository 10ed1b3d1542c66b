package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

func init() {
	unixFixtures["peak-rss"] = fixturePeakRSS
	unixFixtures["signal-tester"] = fixtureSignalTester
}

// fixtureSignalTester sends the signal args[1] (HUP or TERM) to the tester
// that started the server whose pid the file args[0] holds: the server's
// parent is the tester's guard, and the guard's parent the tester. It
// fails if the tree is not that shape, so a script cannot signal the
// wrong process. A closed terminal sends SIGHUP to the tester, and not to
// the server, which runs in a process group of its own.
func fixtureSignalTester(args []string) int {
	sig, ok := map[string]syscall.Signal{"HUP": syscall.SIGHUP, "TERM": syscall.SIGTERM}[args[1]]
	b, err := os.ReadFile(args[0])
	pid, perr := strconv.Atoi(strings.TrimSpace(string(b)))
	if !ok || err != nil || perr != nil {
		fmt.Fprintln(os.Stderr, "usage: fixture signal-tester PIDFILE HUP|TERM", err, perr)
		return 2
	}
	guard, _ := parentOf(pid)
	environ, _ := os.ReadFile("/proc/" + strconv.Itoa(guard) + "/environ")
	tester, ok := parentOf(guard)
	if !ok || !bytes.Contains(environ, []byte(guardEnv+"=1")) {
		fmt.Fprintf(os.Stderr, "the parent of %d, %d, is not the tester's guard\n", pid, guard)
		return 1
	}
	if err := syscall.Kill(tester, sig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// fixturePeakRSS runs the command args[1:] as its child, relaying its
// output and its exit status, and then says on stderr whether the child's
// peak resident memory stayed within args[0] MiB. A script asserts that
// line, which a failing command cannot hide:
//
//	! exec fixture peak-rss 256 tester -stage 2 -cmd 'broken NAME'
//	stderr 'peak RSS \d+ MiB, within 256 MiB'
//
// The figure is the kernel's (wait4's ru_maxrss, in KiB on Linux): the
// largest of the child and of the processes it started and waited for,
// each taken alone, so a server the tester started counts only if it
// alone grew larger.
func fixturePeakRSS(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fixture peak-rss MiB COMMAND [ARGS]")
		return 2
	}
	bound, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	runErr := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, runErr)
		return 2
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss >> 10
	verdict := "within"
	if peak > int64(bound) {
		verdict = "over"
	}
	fmt.Fprintf(os.Stderr, "peak RSS %d MiB, %s %d MiB\n", peak, verdict, bound)
	return cmd.ProcessState.ExitCode()
}
