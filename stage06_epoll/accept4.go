//go:build linux || freebsd || dragonfly

package main

import "golang.org/x/sys/unix"

// acceptConn takes one waiting connection from the listening socket lfd,
// already non-blocking and close-on-exec, in one system call: accept4.
func acceptConn(lfd int) (int, unix.Sockaddr, error) {
	return unix.Accept4(lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
