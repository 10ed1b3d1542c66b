//go:build unix && !linux

package main

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// whoListens says who holds the listening sockets on port, as lsof (part of
// macOS, and a package on the BSDs) sees them: a process in the server's
// process group, someone else, or nobody. Without lsof it cannot tell.
func (c *child) whoListens(port int) (holder, string) {
	path, err := exec.LookPath("lsof")
	if err != nil {
		return holderUnknown, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// -F pc prints one process per "p" line, its command on the "c" line.
	out, err := exec.CommandContext(ctx, path, "-nP", "-iTCP:"+strconv.Itoa(port), "-sTCP:LISTEN", "-Fpc").Output()
	if err != nil && len(out) == 0 {
		// lsof exits with status 1 when nothing matches.
		if _, ok := err.(*exec.ExitError); ok {
			return holderNone, ""
		}
		return holderUnknown, ""
	}
	h, who := holderNone, ""
	pid := 0
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "p"):
			pid, _ = strconv.Atoi(line[1:])
		case strings.HasPrefix(line, "c") && pid > 0:
			desc := "pid " + strconv.Itoa(pid) + " (" + escapeLine(line[1:]) + ")"
			if c.inGroup(pid) {
				return holderOurs, desc
			}
			h, who = holderOther, desc
		}
	}
	return h, who
}

// listeningPorts cannot list the group's ports cheaply here.
func (c *child) listeningPorts() []int { return nil }

// portInUse reports whether anything accepts connections on port.
func portInUse(port string) bool { return reachable("localhost:" + port) }
