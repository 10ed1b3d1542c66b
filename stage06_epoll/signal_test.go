//go:build unix

package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// process is the server's binary, running on a port of its own, with its
// log in a file that a test reads as the server writes it.
type process struct {
	cmd    *exec.Cmd
	addr   string        // where to dial it
	log    string        // the path of its stderr
	exited chan struct{} // closed once it has exited, and cmd.ProcessState is set
}

// buildServer builds this stage's binary, as a learner runs it, into a
// directory of the test's.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// startProcess starts bin with PORT set to a free port, as the tester
// starts it, and with args, and returns once the server accepts
// connections. Cleanup kills it if the test has not ended it.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	p := &process{
		cmd:    exec.Command(bin, args...),
		addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		log:    filepath.Join(t.TempDir(), "stderr"),
		exited: make(chan struct{}),
	}
	logFile, err := os.Create(p.log)
	require.NoError(t, err)
	defer logFile.Close() // the process has its own copy
	p.cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port))
	p.cmd.Stderr = logFile
	require.NoError(t, p.cmd.Start())
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})

	require.Eventually(t, func() bool {
		conn, err := net.DialTimeout("tcp", p.addr, testDeadline)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}, testDeadline, 10*time.Millisecond, "the server never accepted on %s; its log:\n%s", p.addr, p.logText())
	return p
}

// logText is what the server has written to stderr so far.
func (p *process) logText() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// running reports whether the process has not exited yet.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// TestSignals sends SIGTERM to the built server, where the shutdown tests
// cancel a context in its place, so that it checks main's wiring of the
// signals. The first SIGTERM begins the
// graceful shutdown, which closes an idle connection at once, and the
// process exits with status 0. An answer that a client does not read
// holds the shutdown for --shutdown-timeout, here an hour; a second
// SIGTERM then ends the process at once, with the status 143 a shell
// gives a process SIGTERM killed, as a person pressing Ctrl-C twice
// expects. The second follows the first as soon as the log says the
// shutdown began, sooner than any person could send it, which is where a
// signal handled once and then given back its default action was lost.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server and runs it: not with -short")
	}
	bin := buildServer(t)
	tests := []struct {
		name    string
		hold    bool   // a client holds an answer in flight: it sends many requests and reads one answer
		signals int    // how many SIGTERMs are sent
		exit    string // how the process ends, as its ProcessState says
	}{
		{name: "an idle keep-alive connection", signals: 1, exit: "exit status 0"},
		{name: "an answer in flight", hold: true, signals: 2, exit: "exit status 143"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startProcess(t, bin, "--shutdown-timeout", "1h")
			c := dial(t, p.addr)
			if tc.hold {
				// Loopback send buffers grow to 4 MiB; 2,000 answers of
				// 4 KiB outgrow them, and the client's, twice over.
				require.NoError(t, c.conn.(*net.TCPConn).SetReadBuffer(4<<10))
				go io.WriteString(c.conn, pipelined(2000)) // it blocks once the server stops reading
			} else {
				c.send("GET /echo/idle HTTP/1.1\r\nHost: x\r\n\r\n")
			}
			resp, _ := c.response() // the server is answering, or has answered
			require.Equal(t, 200, resp.StatusCode)

			for i := range tc.signals {
				require.True(t, p.running(), "the process is running before SIGTERM %d", i+1)
				require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
				require.Eventually(t, func() bool { return strings.Contains(p.logText(), "shutting down") },
					testDeadline, 5*time.Millisecond, "the shutdown never began; the log:\n%s", p.logText())
			}
			select {
			case <-p.exited:
			case <-time.After(testDeadline):
				t.Fatalf("the process is still running %v after the last SIGTERM", testDeadline)
			}
			assert.Equal(t, tc.exit, p.cmd.ProcessState.String())
			if !tc.hold {
				c.closed()
			}
		})
	}
}
