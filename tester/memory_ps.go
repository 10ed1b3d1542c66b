//go:build unix && !linux

package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// resident sums the resident memory of the server's process group, as ps
// reports it in KiB: macOS and the BSDs have no /proc to list a process
// tree, and a process that left the group is not counted.
func (c *child) resident() (residentSample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ps", "-A", "-o", "pgid=,rss=").Output()
	if err != nil {
		return residentSample{}, fmt.Errorf("%w: ps -A -o pgid=,rss= failed: %v", errNoMeter, err)
	}
	var s residentSample
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 2 {
			continue
		}
		pgid, err1 := strconv.Atoi(fields[0])
		kib, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 == nil && err2 == nil && pgid == c.pid {
			s.bytes += kib << 10
			s.procs++
		}
	}
	return s, nil
}
