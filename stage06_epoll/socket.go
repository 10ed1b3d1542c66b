//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// listenBacklog is how many connections the kernel may hold for each
// listening socket before the loop accepts them; Linux caps it at
// net.core.somaxconn.
const listenBacklog = 4096

// listenSockets opens n non-blocking listening sockets on the same address,
// one per event loop. SO_REUSEPORT lets them share the port, and on Linux
// (and DragonFly) the kernel spreads new connections across them, so no
// loop accepts for another. On macOS and the other BSDs the sockets share
// the port too, but the kernel does not spread connections evenly, so some
// loops may get few or none; every connection is still served.
//
// An address without a host listens on every interface, IPv6 and IPv4 on
// one socket where the system allows it, as net.Listen does. A port of 0
// lets the kernel choose one for the first socket; the others take the
// same. It returns the sockets and the address they listen on.
func listenSockets(addr string, n int) ([]int, *net.TCPAddr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	portNum, err := net.LookupPort("tcp", port)
	if err != nil {
		return nil, nil, err
	}
	var sa unix.Sockaddr
	if host == "" {
		sa = &unix.SockaddrInet6{Port: portNum} // [::], IPv4 too unless the system refuses
	} else {
		ips, err := net.LookupIP(host)
		if err != nil {
			return nil, nil, err
		}
		ip, _ := netip.AddrFromSlice(ips[0])
		sa = sockaddr(netip.AddrPortFrom(ip.Unmap(), uint16(portNum)))
	}

	first, err := listenSocket(sa)
	if err != nil && host == "" {
		sa = &unix.SockaddrInet4{Port: portNum} // no IPv6: 0.0.0.0
		first, err = listenSocket(sa)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	fds := []int{first}
	bound, err := unix.Getsockname(first)
	if err == nil {
		for len(fds) < n && err == nil {
			var fd int
			fd, err = listenSocket(bound)
			fds = append(fds, fd)
		}
	}
	if err != nil {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return fds, net.TCPAddrFromAddrPort(addrPort(bound)), nil
}

// listenSocket opens one listening socket on sa: socket, setsockopt, bind,
// listen, the four calls that net.Listen makes for us in earlier stages.
func listenSocket(sa unix.Sockaddr) (int, error) {
	family := unix.AF_INET
	if _, ok := sa.(*unix.SockaddrInet6); ok {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	err = unix.SetNonblock(fd, true)
	if err == nil {
		// Bind even while connections of a previous run are in
		// TIME_WAIT, as net.Listen does.
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	}
	if err == nil {
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}
	if sa6, ok := sa.(*unix.SockaddrInet6); ok && err == nil && sa6.Addr == [16]byte{} {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
	}
	if err == nil {
		err = unix.Bind(fd, sa)
	}
	if err == nil {
		err = unix.Listen(fd, listenBacklog)
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// setNoDelay turns off Nagle's algorithm on a connection, as net does for
// every TCP connection, so that a small response is sent at once rather
// than held back while an earlier one is unacknowledged.
func setNoDelay(fd int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
}

// sockaddr converts an address to the form system calls take.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// addrPort converts a system call's address back; an IPv4 client of a
// dual-stack socket, which the kernel shows as ::ffff:a.b.c.d, becomes
// a.b.c.d again.
func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// peerName formats a client's address for the log, as net.Conn's
// RemoteAddr would.
func peerName(sa unix.Sockaddr) string {
	ap := addrPort(sa)
	if !ap.IsValid() {
		return "?"
	}
	return net.JoinHostPort(ap.Addr().String(), strconv.Itoa(int(ap.Port())))
}
