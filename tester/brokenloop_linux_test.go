package main

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func init() {
	brokenServers["loop-accepts-once"] = serveAcceptingOnce
}

// edgeTriggered is EPOLLET, which the syscall package spells as a negative
// int that does not fit EpollEvent's uint32.
const edgeTriggered = 1 << 31

// listenerFile keeps the listening socket's file alive: the loop below uses
// only its descriptor, and the file would close it when collected.
var listenerFile *os.File

// serveAcceptingOnce is an event loop's classic first mistake: the
// listening socket is registered edge-triggered, and each readiness report
// gets one accept. A report stands for every connection that arrived since
// the last one, so when several arrive together the rest wait in the
// kernel's queue until yet another connection brings a new report. Each
// accepted connection is then served by the naive stage-5 server on a
// goroutine: only the accepting is broken. The pause after each accept
// stands for the rest of the loop's turn, the other connections it serves.
func serveAcceptingOnce(ln net.Listener) {
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln.Close()
	listenerFile = f
	lfd := int(f.Fd())
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err == nil {
		err = syscall.SetNonblock(lfd, true)
	}
	if err == nil {
		err = syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, lfd, &syscall.EpollEvent{Events: syscall.EPOLLIN | edgeTriggered, Fd: int32(lfd)})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "epoll:", err)
		os.Exit(1)
	}
	events := make([]syscall.EpollEvent, 16)
	for {
		n, err := syscall.EpollWait(ep, events, -1)
		if err != nil {
			continue // EINTR
		}
		for i := 0; i < n; i++ {
			if c, err := acceptOne(lfd); err == nil {
				go naiveStage5.conn(c)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// acceptOne accepts one connection from the listening socket lfd.
func acceptOne(lfd int) (net.Conn, error) {
	fd, _, err := syscall.Accept4(lfd, syscall.SOCK_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "connection")
	defer f.Close()
	return net.FileConn(f)
}
