package main

import (
	"errors"
	"fmt"
	"time"
)

// residentSample is the resident memory of the processes a run started,
// summed, with how many processes it counts.
type residentSample struct {
	bytes int64
	procs int
}

// errNoMeter is why a check cannot measure memory: the tester did not
// start the server, or the platform cannot tell.
var errNoMeter = errors.New("cannot measure the server's memory")

// How the tester waits for memory to settle: it samples every settlePoll,
// and takes the memory as settled once settleQuiet samples in a row stay
// within settleBand of each other, or at settleWithin, whichever comes
// first. A server's memory moves after a burst of work (a garbage
// collector runs, freed pages go back to the system), so one sample taken
// at once, or after a fixed sleep, would measure that instead.
const (
	settlePoll   = 100 * time.Millisecond
	settleQuiet  = 4
	settleWithin = 5 * time.Second
	settleBand   = 256 << 10
)

// resident measures the server under test, summed over every process the
// run started that still runs.
func (t *T) resident() (residentSample, error) {
	if t.server == nil {
		return residentSample{}, fmt.Errorf("%w: the tester did not start it (-addr), so it cannot tell which processes are the server", errNoMeter)
	}
	s, err := t.server.child.resident()
	if err == nil && s.procs == 0 {
		err = fmt.Errorf("%w: no process of the server is running", errNoMeter)
	}
	return s, err
}

// settledResident samples the server's memory until it stops changing, and
// returns the last sample; settled is false when it was still changing at
// settleWithin.
func (t *T) settledResident() (s residentSample, settled bool, err error) {
	var window []int64
	deadline := time.Now().Add(settleWithin)
	for {
		if s, err = t.resident(); err != nil {
			return s, false, err
		}
		window = append(window, s.bytes)
		if len(window) > settleQuiet {
			window = window[1:]
		}
		if len(window) == settleQuiet && spread(window) <= max(settleBand, s.bytes/200) {
			return s, true, nil
		}
		if time.Now().After(deadline) {
			return s, false, nil
		}
		select {
		case <-time.After(settlePoll):
		case <-t.ctx.Done():
			return s, false, t.ctx.Err()
		}
	}
}

// spread is the difference between the largest and the smallest of xs.
func spread(xs []int64) int64 {
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return hi - lo
}

// kib formats a number of bytes in KiB with one decimal, for figures per
// connection.
func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

// mib formats a number of bytes in MiB with one decimal.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
