//go:build !linux

package main

import "net"

// unsent reports that this system cannot say what a connection has not
// yet delivered; tests that need it skip.
func unsent(net.Conn) (int, bool) { return 0, false }
