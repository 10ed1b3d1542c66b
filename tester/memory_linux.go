package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// resident sums the resident memory of the guard's descendants, the server
// and everything it started, from /proc/PID/statm, whose second field is
// the resident pages. A process that exits between the listing and the
// read is skipped.
func (c *child) resident() (residentSample, error) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		return residentSample{}, fmt.Errorf("%w: /proc is not mounted", errNoMeter)
	}
	page := int64(os.Getpagesize())
	var s residentSample
	for _, pid := range c.tree() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
		if err != nil {
			continue
		}
		fields := strings.Fields(string(b))
		if len(fields) < 2 {
			continue
		}
		pages, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		s.bytes += pages * page
		s.procs++
	}
	return s, nil
}
