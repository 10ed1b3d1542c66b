//go:build !unix && !windows

package main

// setReceiveBuffer does nothing where sockets have no options to set.
func setReceiveBuffer(fd uintptr, size int) {}
