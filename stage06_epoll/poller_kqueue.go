//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// kqueuePoller is the poller on macOS and the BSDs: a kqueue, and a pipe
// whose read end it watches, so that writing a byte to the other end makes
// kevent return. (EVFILT_USER would do without the pipe, but OpenBSD lacks
// it.)
//
// kqueue watches filters rather than sockets: reading and writing are two
// separate registrations, EVFILT_READ and EVFILT_WRITE, each made
// edge-triggered with EV_CLEAR, and each reported as its own event.
type kqueuePoller struct {
	kq    int
	wakeR int // the pipe's read end, watched
	wakeW int // its write end, written by wake
	buf   []unix.Kevent_t
}

func newPoller() (poller, error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, err
	}
	unix.CloseOnExec(kq)
	var pipe [2]int
	if err := unix.Pipe(pipe[:]); err != nil {
		unix.Close(kq)
		return nil, err
	}
	p := &kqueuePoller{kq: kq, wakeR: pipe[0], wakeW: pipe[1]}
	for _, fd := range pipe {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			p.close()
			return nil, err
		}
	}
	if err := p.addRead(p.wakeR); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// change applies one registration change to the kqueue.
func (p *kqueuePoller) change(fd, filter, flags int) error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], fd, filter, flags)
	_, err := unix.Kevent(p.kq, ch[:], nil, nil)
	return err
}

func (p *kqueuePoller) addRead(fd int) error {
	return p.change(fd, unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR)
}

func (p *kqueuePoller) setWrite(fd int, on bool) error {
	if on {
		return p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_CLEAR)
	}
	err := p.change(fd, unix.EVFILT_WRITE, unix.EV_DELETE)
	if err == unix.ENOENT {
		return nil // it was not on
	}
	return err
}

func (p *kqueuePoller) wait(events []event, timeout time.Duration) (int, error) {
	var ts *unix.Timespec
	if timeout >= 0 {
		t := unix.NsecToTimespec(int64(timeout))
		ts = &t
	}
	if cap(p.buf) < len(events) {
		p.buf = make([]unix.Kevent_t, len(events))
	}
	n, err := unix.Kevent(p.kq, nil, p.buf[:len(events)], ts)
	if err == unix.EINTR {
		return 0, nil // a signal arrived: not an error, just wait again
	}
	if err != nil {
		return 0, err
	}
	m := 0
	for _, ev := range p.buf[:n] {
		fd := int(ev.Ident)
		if fd == p.wakeR {
			var b [64]byte
			for {
				if n, _ := unix.Read(p.wakeR, b[:]); n <= 0 {
					break
				}
			}
			continue
		}
		broken := ev.Flags&unix.EV_ERROR != 0
		events[m] = event{
			fd:       fd,
			readable: broken || ev.Filter == unix.EVFILT_READ,
			writable: broken || ev.Filter == unix.EVFILT_WRITE,
			eof:      broken || ev.Flags&unix.EV_EOF != 0,
		}
		m++
	}
	return m, nil
}

func (p *kqueuePoller) wake() error {
	_, err := unix.Write(p.wakeW, []byte{1})
	if err == unix.EAGAIN {
		return nil // the pipe is full: a wake is already pending
	}
	return err
}

func (p *kqueuePoller) close() error {
	unix.Close(p.wakeR)
	unix.Close(p.wakeW)
	return unix.Close(p.kq)
}
