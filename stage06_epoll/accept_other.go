//go:build darwin || netbsd || openbsd

package main

import "golang.org/x/sys/unix"

// acceptConn takes one waiting connection from the listening socket lfd and
// makes it non-blocking and close-on-exec. golang.org/x/sys/unix has no
// accept4 on these systems, so it takes three system calls.
func acceptConn(lfd int) (int, unix.Sockaddr, error) {
	fd, sa, err := unix.Accept(lfd)
	if err != nil {
		return -1, nil, err
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, sa, nil
}
