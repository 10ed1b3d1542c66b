package main

import "syscall"

// setReceiveBuffer sets a socket's receive buffer before it connects, so
// that the window the handshake announces is already the small one.
func setReceiveBuffer(fd uintptr, size int) {
	syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
}
