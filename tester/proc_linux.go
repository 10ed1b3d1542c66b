package main

import "syscall"

// setParentDeathSignal asks Linux to kill the server if the tester itself is
// killed without a chance to clean up (kill -9, a closed terminal).
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
