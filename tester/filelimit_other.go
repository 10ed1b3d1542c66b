//go:build !unix

package main

// raiseFileLimit does nothing where there is no RLIMIT_NOFILE (Windows).
func raiseFileLimit() {}

// fileLimits cannot be read here.
func fileLimits() (soft, hard uint64, ok bool) { return 0, 0, false }
