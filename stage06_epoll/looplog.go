//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"fmt"
	"strconv"
	"time"
)

// The loop's log.
//
// Up to stage 5 the access log was middleware that called log.Printf for
// every request, and log.Printf takes the standard logger's lock and makes
// a write system call per line. On event loops that costs twice over.
// The loops, which share nothing else, queue on that one lock, and a lock
// that is taken when a thread wants it puts the thread to sleep in the
// kernel and wakes it again: under wrk, strace -c -f counted 0.62 futex
// calls per request with the middleware, and 0.026 with this log. And the
// log's write was a second write system call per request, beside the one
// that sends the answer.
//
// So each loop keeps its own log: it appends a line for each request, and
// for each connection that comes and goes, to a buffer that it writes in
// one call per turn, just before it waits again, as nginx's
// "access_log ... buffer=" does. The lines of one loop keep their order.
// The price: a line reaches stderr up to a turn late, and the lines of the
// turn in which the process crashes are lost.

// logPrefix starts every line of the log, the loops' as well as those of
// the standard logger, which main sets to the same format.
const logPrefix = "[epoll] "

// logFlushSize is how full a loop's log buffer may get within one turn
// before it is written. A pipe keeps a write of up to 4 KiB in one piece
// (PIPE_BUF), so writes this size from two loops never interleave.
const logFlushSize = 4 << 10

// logf appends a line to the loop's log, in the standard logger's format.
func (l *loop) logf(format string, args ...any) {
	if l.cfg.log == nil {
		return
	}
	b := l.logLineStart()
	b = fmt.Appendf(b, format, args...)
	l.logLineEnd(b)
}

// logAccess appends the access-log line of one request: method, path,
// status, the body bytes the response sends and the time the handlers
// took. It runs for every request, so it appends the fields by hand, which
// costs a fraction of what fmt would.
func (l *loop) logAccess(req *Request, resp *Response, took time.Duration) {
	if l.cfg.log == nil {
		return
	}
	sent := resp.BodyLen()
	if req.Method == "HEAD" || !hasContent(resp.Status) {
		sent = 0 // Write leaves the body out
	}
	b := l.logLineStart()
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.Path...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(resp.Status), 10)
	b = append(b, ' ')
	if sent < 0 {
		b = append(b, "streamed "...) // a Feed's length is known only at its end
	} else {
		b = strconv.AppendInt(b, sent, 10)
		b = append(b, "B "...)
	}
	b = append(b, took.String()...) // String is inlined: no allocation
	l.logLineEnd(b)
}

// logLineStart begins a line as log.Ltime|log.Lmicroseconds would, with
// the time the loop last woke rather than a clock read of its own. That
// time is the same for every line of a turn, so it is formatted once a
// turn, into l.stamp.
func (l *loop) logLineStart() []byte {
	if len(l.stamp) == 0 || !l.stampTime.Equal(l.now) {
		l.stamp = l.now.AppendFormat(l.stamp[:0], "15:04:05.000000 ")
		l.stampTime = l.now
	}
	b := append(l.logs, logPrefix...)
	return append(b, l.stamp...)
}

// logLineEnd ends the line that b holds after the buffered ones, and
// writes the buffer if the turn has filled it.
func (l *loop) logLineEnd(b []byte) {
	l.logs = append(b, '\n')
	if len(l.logs) >= logFlushSize {
		l.flushLog()
	}
}

// flushLog writes the buffered lines. An error is ignored, as log.Printf
// ignores it: the log is not worth stopping the server for.
func (l *loop) flushLog() {
	if len(l.logs) > 0 {
		l.cfg.log.Write(l.logs)
		l.logs = l.logs[:0]
	}
}
