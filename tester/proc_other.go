//go:build !unix

package main

import (
	"os"
	"os/exec"
)

var (
	terminate = os.Kill
	kill      = os.Kill
)

// setProcessGroup does nothing where there are no Unix process groups.
func setProcessGroup(*exec.Cmd) {}

// signalGroup can only kill the server process itself here.
func signalGroup(cmd *exec.Cmd, sig os.Signal) {
	if cmd.Process != nil {
		cmd.Process.Signal(sig)
	}
}
