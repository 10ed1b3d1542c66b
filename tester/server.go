package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// codecraftersPort is where CodeCrafters' tester expects a server. A learner
// repository from that course may listen there whatever PORT says.
const codecraftersPort = "4221"

// fallbackPortEnv moves the 4221 fallback elsewhere, for the tester's own
// tests only: they must not depend on who else on the machine uses 4221.
const fallbackPortEnv = "HTTPWORKBOOK_TESTER_FALLBACK_PORT"

// fallbackPort is the port a server that ignores PORT is looked for on.
func fallbackPort() string {
	if p := os.Getenv(fallbackPortEnv); p != "" {
		return p
	}
	return codecraftersPort
}

// holder says who listens on a port, as far as the platform can tell.
type holder int

const (
	holderNone    holder = iota // nobody
	holderOurs                  // a process this run started
	holderOther                 // a program the tester did not start
	holderUnknown               // the platform cannot tell
)

// server is a program the tester started and owns: it relays its output and
// makes sure it is gone, with everything it started, when the run ends.
type server struct {
	child    *child
	spec     launchSpec
	port     string // the PORT it was given
	prefix   string
	rep      *reporter
	done     chan struct{} // closed when the process has exited
	status   string        // how it exited, once done is closed
	relays   sync.WaitGroup
	outputs  []*os.File // the read ends of its stdout and stderr
	mu       sync.Mutex
	tail     []string // the last lines of output, for a failure message
	relayed  int      // lines of output since the current check began
	printed  [2]int   // lines seen on stdout and stderr
	free4221 bool     // nothing listened on the fallback port at the start
	tested   string   // the address the checks were sent to
	stopped  sync.Once
	leftover *failure // what still listened after the server exited
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
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	free := spec.learner && !portInUse(fallbackPort())
	raiseFileLimit() // the server inherits it
	c, err := startChild(spec, serverEnv(port), outW, errW)
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start %s: %w", spec.argv[0], err)
	}
	s := &server{child: c, spec: spec, port: port, prefix: spec.prefix, rep: rep, done: make(chan struct{}),
		outputs: []*os.File{outR, errR}, free4221: free}
	s.relays.Add(2)
	go s.relay(outR, &s.printed[0])
	go s.relay(errR, &s.printed[1])
	go func() {
		s.status = c.wait()
		// Its last lines before the verdict, unless something it started
		// still holds its output open.
		s.waitRelays(time.Second)
		close(s.done)
	}()
	return s, nil
}

// waitRelays waits for the output relays to reach end of stream, for at
// most d.
func (s *server) waitRelays(d time.Duration) {
	relayed := make(chan struct{})
	go func() {
		s.relays.Wait()
		close(relayed)
	}()
	select {
	case <-relayed:
	case <-time.After(d):
	}
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

// printedNothing reports whether the server has written no line at all.
func (s *server) printedNothing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.printed[0] == 0 && s.printed[1] == 0
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

// stop ends the server and everything it started: SIGTERM to its process
// group, a look at whether anything it started still listens once it has
// exited, then its guard kills whatever is left. It is safe to call more
// than once.
func (s *server) stop() {
	s.stopped.Do(func() {
		if s.exitStatus() == "" {
			s.child.terminate()
			select {
			case <-s.done:
			case <-time.After(2 * time.Second):
			}
		}
		if s.exitStatus() != "" {
			s.leftover = s.findLeftover()
		}
		s.child.release()
		<-s.done
		if s.leftover != nil {
			s.leftover.Detail += s.afterSweep()
		}
		s.waitRelays(time.Second)
		for _, f := range s.outputs {
			f.Close()
		}
	})
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
