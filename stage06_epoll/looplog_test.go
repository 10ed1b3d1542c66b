//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logSink records what the loops write to their log, one entry per
// write, safe for the loops to write to while the test reads.
type logSink struct {
	mu     sync.Mutex
	writes []string
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, string(p))
	return len(p), nil
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.writes, "")
}

// waitFor waits until the log holds text: a loop writes its log at the
// end of a turn, a moment after the client has seen the answer.
func (s *logSink) waitFor(t *testing.T, text string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(s.String(), text) },
		testDeadline, time.Millisecond, "the log never said %q; it holds:\n%s", text, s)
}

// TestLoopLog checks the access log that each loop keeps: a line per
// request, in order, between the connection's arrival and its close, with
// the bytes the response sends, and the lines of one turn in one write.
func TestLoopLog(t *testing.T) {
	var sink logSink
	cfg := testConfig
	cfg.log = &sink
	// Handlers that take a known time: the time each line reports must
	// include it.
	const took = 2 * time.Millisecond
	handler := cfg.handler
	cfg.handler = func(req *Request) *Response {
		time.Sleep(took)
		return handler(req)
	}
	c := dial(t, startServer(t, cfg))
	peer := c.conn.LocalAddr().String()

	// Five requests in one write, so that one read and one turn answer
	// them all.
	c.send("GET /echo/hello?x=1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"HEAD /echo/hello HTTP/1.1\r\nHost: x\r\n\r\n" +
		"OPTIONS /echo/hello HTTP/1.1\r\nHost: x\r\n\r\n" +
		"DELETE /echo/hello HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	_, err := io.ReadAll(c.br)
	require.NoError(t, err)
	c.conn.Close()
	sink.waitFor(t, peer+" closed after 5 requests")

	lines := strings.Split(strings.TrimSuffix(sink.String(), "\n"), "\n")
	require.Len(t, lines, 7, sink.String())
	start := regexp.MustCompile(`^\[epoll\] \d\d:\d\d:\d\d\.\d{6} `)
	for _, line := range lines {
		assert.Regexp(t, start, line, "the standard logger's format")
	}
	assert.True(t, strings.HasSuffix(lines[0], " "+peer+" connected"), lines[0])
	for i, want := range []string{
		" GET /echo/hello 200 5B ",
		" HEAD /echo/hello 200 0B ", // the body is not sent
		" OPTIONS /echo/hello 204 0B ",
		" DELETE /echo/hello 405 68B ",
		" GET /missing 404 36B ", // {"error":"no resource at /missing"} and a newline
	} {
		line := lines[1+i]
		assert.Contains(t, line, want)
		d, err := time.ParseDuration(line[strings.LastIndex(line, " ")+1:])
		if assert.NoError(t, err, line) {
			assert.GreaterOrEqual(t, d, took, "%s: the time the handlers took", line)
		}
	}
	assert.True(t, strings.HasSuffix(lines[6], " "+peer+" closed after 5 requests"), lines[6])

	// The five answers were made in one turn, so their lines reached the
	// log in one write.
	sink.mu.Lock()
	defer sink.mu.Unlock()
	var turn string
	for _, w := range sink.writes {
		if strings.Contains(w, "GET /echo/hello") {
			turn = w
		}
	}
	assert.Equal(t, 5, strings.Count(turn, "B "), "one write for the turn's access lines:\n%s", turn)
}

// TestLoopLogDiscarded checks that a loop with no log writer formats
// nothing: the tests' servers run that way.
func TestLoopLogDiscarded(t *testing.T) {
	l := &loop{cfg: testConfig}
	l.logf("%s connected", "x")
	l.logAccess(get("/"), &Response{Status: 200}, time.Millisecond)
	assert.Empty(t, l.logs)
	l.flushLog() // nothing to write, and no writer to write it to
}

// TestLoopLogFlushesWhenFull checks that a turn that logs more than
// logFlushSize bytes writes them as it goes, in whole lines.
func TestLoopLogFlushesWhenFull(t *testing.T) {
	var sink logSink
	l := &loop{cfg: config{log: &sink}, now: time.Now()}
	line := strings.Repeat("x", 100)
	for range 100 {
		l.logf("%s", line)
	}
	l.flushLog()
	assert.Greater(t, len(sink.writes), 1)
	for _, w := range sink.writes {
		assert.LessOrEqual(t, len(w), logFlushSize+len(logPrefix)+len("15:04:05.000000 ")+len(line)+1)
		assert.True(t, strings.HasSuffix(w, line+"\n"), "whole lines only")
	}
	assert.Equal(t, 100, strings.Count(sink.String(), line))
}
