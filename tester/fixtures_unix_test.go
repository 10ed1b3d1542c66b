//go:build unix

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// unixFixtures are the fixtures that need Unix processes.
var unixFixtures = map[string]func(args []string) int{
	"setsid-child":  fixtureSetsidChild,
	"setsid-keeper": fixtureSetsidKeeper,
	"wait-gone":     fixtureWaitGone,
}

// fixtureSetsidChild listens, hands the listening socket to a child that
// leaves the process group with setsid and serves on it, and waits to be
// stopped: the child outlives it, still listening. The child's pid goes to
// the file args[0] names.
func fixtureSetsidChild(args []string) int {
	ln := listenPort(os.Getenv("PORT"))
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd := exec.Command(self, "setsid-keeper")
	cmd.Args[0] = "fixture"
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{f}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.WriteFile(args[0], []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln.Close()
	f.Close()
	time.Sleep(fixtureLifetime)
	return 0
}

// fixtureSetsidKeeper serves echo on the listener inherited as fd 3.
func fixtureSetsidKeeper([]string) int {
	ln, err := net.FileListener(os.NewFile(3, "listener"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return serveEcho(ln)
}

// fixtureWaitGone waits until the process whose pid the file args[0] holds
// has gone, for at most args[1]; if it has not, it kills it, so that a
// failing test leaves nothing behind, and fails.
func fixtureWaitGone(args []string) int {
	b, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if code := pollUntil(args[1], "end of pid "+strconv.Itoa(pid), func() bool { return gone(pid) }); code != 0 {
		syscall.Kill(pid, syscall.SIGKILL)
		return code
	}
	return 0
}

// gone reports whether pid has exited: no such process, or, on Linux, a
// zombie its new parent has not reaped yet.
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	if runtime.GOOS != "linux" {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z")
}
