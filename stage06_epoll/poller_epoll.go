//go:build linux

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// epollPoller is the poller on Linux: an epoll instance, and an eventfd
// that wake writes to so that epoll_wait returns.
type epollPoller struct {
	epfd   int
	wakefd int
	buf    []unix.EpollEvent
}

// readEvents are the events every connection is watched for: input, the
// peer shutting its side (EPOLLRDHUP), and edge-triggered delivery
// (EPOLLET). Errors and hang-ups (EPOLLERR, EPOLLHUP) are always reported.
const readEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET

func newPoller() (poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	p := &epollPoller{epfd: epfd, wakefd: wakefd}
	if err := p.addRead(wakefd); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *epollPoller) addRead(fd int) error {
	ev := unix.EpollEvent{Events: readEvents, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (p *epollPoller) setWrite(fd int, on bool) error {
	ev := unix.EpollEvent{Events: readEvents, Fd: int32(fd)}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (p *epollPoller) wait(events []event, timeout time.Duration) (int, error) {
	msec := -1
	if timeout >= 0 {
		// Round up: epoll_wait counts whole milliseconds, and rounding
		// down would wake the loop just before its deadline, over and
		// over.
		msec = int((timeout + time.Millisecond - 1) / time.Millisecond)
	}
	if cap(p.buf) < len(events) {
		p.buf = make([]unix.EpollEvent, len(events))
	}
	n, err := unix.EpollWait(p.epfd, p.buf[:len(events)], msec)
	if err == unix.EINTR {
		return 0, nil // a signal arrived: not an error, just wait again
	}
	if err != nil {
		return 0, err
	}
	m := 0
	for _, ev := range p.buf[:n] {
		if int(ev.Fd) == p.wakefd {
			var b [8]byte
			unix.Read(p.wakefd, b[:]) // reset the counter
			continue
		}
		broken := ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0
		events[m] = event{
			fd:       int(ev.Fd),
			readable: broken || ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0,
			writable: broken || ev.Events&unix.EPOLLOUT != 0,
			eof:      broken || ev.Events&unix.EPOLLRDHUP != 0,
		}
		m++
	}
	return m, nil
}

func (p *epollPoller) wake() error {
	one := [8]byte{1} // an eventfd adds the 8-byte integer written to it
	_, err := unix.Write(p.wakefd, one[:])
	if err == unix.EAGAIN {
		return nil // the counter is full: a wake is already pending
	}
	return err
}

func (p *epollPoller) close() error {
	unix.Close(p.wakefd)
	return unix.Close(p.epfd)
}
