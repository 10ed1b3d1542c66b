package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// codecraftersPort is where CodeCrafters' tester expects a server. A learner
// repository from that course may listen there whatever PORT says.
const codecraftersPort = "4221"

// server is a program the tester started and owns: it relays its output and
// makes sure it is gone, with its whole process group, when the run ends.
type server struct {
	cmd    *exec.Cmd
	prefix string
	rep    *reporter
	done   chan struct{} // closed when the process has exited
	status string        // how it exited, once done is closed
	relays sync.WaitGroup
	mu     sync.Mutex
	tail   []string // the last lines of output, for a failure message
	byHand string   // how a learner runs it by hand, for hints
}

// freePort asks the kernel for a port nobody uses, so that parallel runs of
// the tester never collide.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// serverEnv is the server's environment: the tester's, with PORT, and with
// Python's output unbuffered unless the learner chose otherwise, so that a
// Python server's prints appear as they happen.
func serverEnv(port string) []string {
	env := append(os.Environ(), "PORT="+port)
	if _, ok := os.LookupEnv("PYTHONUNBUFFERED"); !ok {
		env = append(env, "PYTHONUNBUFFERED=1")
	}
	return env
}

// startServer starts the server spec describes with PORT set and returns
// once the process has started; waitListening then waits for the port.
func startServer(rep *reporter, spec launchSpec, port string) (*server, error) {
	cmd := exec.Command(spec.argv[0], spec.argv[1:]...)
	cmd.Dir = spec.dir
	cmd.Env = serverEnv(port)
	setProcessGroup(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.argv[0], err)
	}
	prefix := spec.prefix
	s := &server{cmd: cmd, prefix: prefix, rep: rep, done: make(chan struct{}), byHand: spec.byHand}
	s.relays.Add(2)
	go s.relay(stdout)
	go s.relay(stderr)
	go func() {
		err := cmd.Wait()
		s.relays.Wait()
		s.status = describeExit(err)
		close(s.done)
	}()
	return s, nil
}

func describeExit(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exited with status 0"
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return "exited with status " + strconv.Itoa(ee.ExitCode())
	case errors.As(err, &ee):
		return "was killed (" + ee.String() + ")"
	}
	return "ended: " + err.Error()
}

// exitStatus says how the process ended, or "" while it runs.
func (s *server) exitStatus() string {
	select {
	case <-s.done:
		return s.status
	default:
		return ""
	}
}

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
	if s.byHand == "" {
		return "run it by hand to see why it stops; it must keep running and accept connections"
	}
	return fmt.Sprintf("run it by hand to see why it stops (%s); it must keep running and accept connections", s.byHand)
}

func (s *server) lastOutput() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tail) == 0 {
		return "it printed nothing"
	}
	return "its last output: " + strings.Join(s.tail, " / ")
}

// reachable reports whether a TCP connection to addr succeeds now.
func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// stop ends the server and everything it started: SIGTERM to the process
// group, then SIGKILL if it has not gone within two seconds. It is safe to
// call more than once.
func (s *server) stop() {
	if s.exitStatus() == "" {
		signalGroup(s.cmd, terminate)
		select {
		case <-s.done:
		case <-time.After(2 * time.Second):
			signalGroup(s.cmd, kill)
			<-s.done
		}
	}
	// The leader may have exited on its own and left children behind (sh -c
	// or your_program.sh starting the real server); sweep the group anyway.
	signalGroup(s.cmd, kill)
}

// buildReference compiles a stage's reference solution into dir and
// returns the binary's path.
func buildReference(ctx context.Context, root, stageDir, dir string) (string, error) {
	bin := filepath.Join(dir, stageDir)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./"+stageDir)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./%s: %v\n%s", stageDir, err, out)
	}
	return bin, nil
}

// moduleRoot finds the workbook's source, for building reference solutions:
// first from the working directory upwards, then from where this file was
// compiled, which works for "go run ./tester" from anywhere.
func moduleRoot(compiledAt string) (string, error) {
	isRoot := func(dir string) bool {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		return err == nil && strings.HasPrefix(string(b), "module httpworkbook\n")
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if isRoot(dir) {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if dir := filepath.Dir(filepath.Dir(compiledAt)); compiledAt != "" && isRoot(dir) {
		return dir, nil
	}
	return "", errors.New("cannot find the workbook's source to build a reference solution; test your own server with -dir, -cmd or -addr")
}
