//go:build unix

package main

import (
	"runtime"
	"sync"
	"syscall"
)

// darwinOpenMax is the most open files macOS lets a process ask for,
// whatever its hard limit says (OPEN_MAX, kern.maxfilesperproc by default).
const darwinOpenMax = 10240

// raiseOnce raises the limit once per process, before the first server
// starts.
var raiseOnce sync.Once

// raiseFileLimit raises the tester's soft limit on open files to its hard
// limit, so that a check can hold thousands of connections, and so that the
// server it starts next inherits the same room. Go raises its own soft limit
// at start, but gives a child it starts the original one back, unless the
// program sets the limit itself: hence the Setrlimit even when the soft
// limit is already the hard one.
func raiseFileLimit() {
	raiseOnce.Do(func() {
		var lim syscall.Rlimit
		if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
			return
		}
		want := lim
		want.Cur = lim.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) != nil && runtime.GOOS == "darwin" {
			want.Cur = min(lim.Max, darwinOpenMax)
			syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
		}
	})
}

// fileLimits returns the soft and hard limits on open files, and false
// where they cannot be read.
func fileLimits() (soft, hard uint64, ok bool) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return 0, 0, false
	}
	return uint64(lim.Cur), uint64(lim.Max), true
}
