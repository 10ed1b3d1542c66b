//go:build !unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
)

// child is the server process as the tester controls it where there are no
// Unix process groups (Windows): directly, and the server alone.
type child struct {
	cmd    *exec.Cmd
	waited chan struct{}
	err    error
}

// startChild starts spec's command with out and errOut as its standard
// output and error, and returns once it has started.
func startChild(spec launchSpec, env []string, out, errOut *os.File) (*child, error) {
	cmd := exec.Command(spec.argv[0], spec.argv[1:]...)
	cmd.Dir = spec.dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, waited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.waited)
	}()
	return c, nil
}

// wait blocks until the server has exited and says how.
func (c *child) wait() string {
	<-c.waited
	var ee *exec.ExitError
	switch {
	case c.err == nil:
		return "exited with status 0"
	case errors.As(c.err, &ee):
		return "exited with status " + strconv.Itoa(ee.ExitCode())
	}
	return "ended: " + c.err.Error()
}

// terminate can only kill the server process itself here.
func (c *child) terminate() { c.cmd.Process.Kill() }

// release kills the server if it still runs and waits for it.
func (c *child) release() {
	c.cmd.Process.Kill()
	<-c.waited
}

// tree cannot list the server's processes here.
func (c *child) tree() []int { return nil }

// inGroup cannot tell here.
func (c *child) inGroup(int) bool { return false }

// processRuns reports that every process may still run: without Unix
// signals the tester cannot ask cheaply, and it never removes a directory
// that may still be in use.
func processRuns(pid int) bool { return true }
