package main

import (
	"net"

	"golang.org/x/sys/unix"
)

// unsent returns how many bytes a test's connection has written that the
// other side's kernel has not acknowledged yet (SIOCOUTQ), and true; so a
// test can wait until what it sent has reached the server.
func unsent(c net.Conn) (int, bool) {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return 0, false
	}
	n, ok := 0, false
	rc.Control(func(fd uintptr) {
		var err error
		n, err = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
		ok = err == nil
	})
	return n, ok
}
