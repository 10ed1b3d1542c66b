//go:build unix && !linux

package main

import "syscall"

// setParentDeathSignal does nothing outside Linux, which alone offers it;
// the guard still kills the server's process group when the tester goes.
func setParentDeathSignal(*syscall.SysProcAttr) {}

// becomeSubreaper does nothing outside Linux: orphans go to init, and only
// those still in the server's process group are killed with it.
func becomeSubreaper() {}

// descendants cannot be listed cheaply here; the process group stands in.
func descendants(int) []int { return nil }
