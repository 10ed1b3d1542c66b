//go:build unix && !linux

package main

import "syscall"

// setParentDeathSignal does nothing outside Linux, which alone offers it;
// the tester's own signal handling still stops the server.
func setParentDeathSignal(*syscall.SysProcAttr) {}
