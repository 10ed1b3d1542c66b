package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseChunkSize(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int64
		ok   bool
	}{
		{"1a\r\n", 26, true},
		{"1A\r\n", 26, true},
		{"0\r\n", 0, true},
		{"000010\r\n", 16, true},
		{"5;name=value\r\n", 5, true},
		{"5 ;name\r\n", 5, true}, // BWS before an extension
		{"5\t; a=\"b\"\r\n", 5, true},
		{"\r\n", 0, false},
		{"+5\r\n", 0, false},
		{"-5\r\n", 0, false},
		{" 5\r\n", 0, false},
		{"5 \r\n", 0, false},
		{"0x5\r\n", 0, false},
		{"5.0\r\n", 0, false},
		{"g\r\n", 0, false},
		{"ffffffffffffffffff\r\n", 0, false},
	} {
		t.Run(tc.line, func(t *testing.T) {
			got, err := parseChunkSize([]byte(tc.line))
			if !tc.ok {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// chunked frames each piece as one chunk.
func chunked(pieces ...string) string {
	var b strings.Builder
	for _, p := range pieces {
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(p), p)
	}
	return b.String()
}

const streamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"

// openTestStream reads the head the server sends and makes a stream of
// the response. The server writes body, then closes if closes is set and
// else waits for the tester to leave.
func openTestStream(t *testing.T, head, body string, closes bool) *stream {
	t.Helper()
	c := hostileConn(t, func(c net.Conn) {
		io.WriteString(c, head+body)
		if !closes {
			io.Copy(io.Discard, c)
		}
	})
	c.t.timeout = testTimeout
	h, err := c.readHead(c.patience())
	require.NoError(t, err)
	s, err := c.t.newStream(c, []byte("GET /events HTTP/1.1\r\n\r\n"), h)
	require.NoError(t, err)
	return s
}

// testTimeout is how long a stream test waits for bytes that never come.
const testTimeout = 300 * time.Millisecond

// events reads s until it errs, and returns the events and the error.
func events(s *stream) ([]sseEvent, error) {
	var evs []sseEvent
	for {
		ev, err := s.next()
		if err != nil {
			return evs, err
		}
		ev.raw = nil
		evs = append(evs, *ev)
	}
}

// TestStreamEvents reads event streams as an EventSource does (WHATWG
// §9.2.5, §9.2.6), through their chunked framing.
func TestStreamEvents(t *testing.T) {
	msg := func(typ, data, id string, hasID bool) sseEvent {
		return sseEvent{typ: typ, data: data, id: id, hasID: hasID}
	}
	for _, tc := range []struct {
		name string
		body string
		want []sseEvent
	}{
		{"LF", chunked("id: 1\nevent: user.created\ndata: {}\n\n"), []sseEvent{msg("user.created", "{}", "1", true)}},
		{"CRLF", chunked("id: 1\r\ndata: a\r\n\r\n"), []sseEvent{msg("message", "a", "1", true)}},
		{"CR", chunked("data: a\rdata: b\r\r"), []sseEvent{msg("message", "a\nb", "", false)}},
		{"CRLF split across chunks", chunked("data: a\r", "\n\r", "\n"), []sseEvent{msg("message", "a", "", false)}},
		{"a byte order mark first", chunked("\ufeffdata: a\n\n"), []sseEvent{msg("message", "a", "", false)}},
		{"comments and heartbeats", chunked(":\n\n", ": hi\ndata: a\n\n", ":\n\n"), []sseEvent{msg("message", "a", "", false)}},
		{"no space after the colon", chunked("data:a\nevent:x\n\n"), []sseEvent{msg("x", "a", "", false)}},
		{"two spaces keep one", chunked("data:  a\n\n"), []sseEvent{msg("message", " a", "", false)}},
		{"a field without a colon", chunked("data\ndata\n\n"), []sseEvent{msg("message", "\n", "", false)}},
		{"no data, no event; the id stays", chunked("id: 7\nevent: x\n\n", "data: a\n\n"), []sseEvent{msg("message", "a", "7", false)}},
		{"an id with NUL is ignored", chunked("id: 1\n\n", "id: a\x00b\ndata: x\n\n"), []sseEvent{msg("message", "x", "1", false)}},
		{"unknown fields", chunked("retry: 10\nfoo: bar\ndata: a\n\n"), []sseEvent{msg("message", "a", "", false)}},
		{"one event in pieces", chunked("da", "ta: a", "\n", "\n"), []sseEvent{msg("message", "a", "", false)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStream(t, streamHead, tc.body+"0\r\nX-Checksum: 1\r\n\r\n", false)
			got, err := events(s)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, io.EOF, err, "the last chunk and its trailer end the stream")
		})
	}
}

// TestStreamFraming checks what ends a stream, and the faults of its
// framing, each with the section that decides it.
func TestStreamFraming(t *testing.T) {
	event := "data: a\n\n"
	for _, tc := range []struct {
		name, head, body string
		closes           bool
		events           int
		err, section     string // "" for io.EOF
	}{
		{"a length", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", event, false, 1, "", ""},
		{"to the close", "HTTP/1.1 200 OK\r\n\r\n", event + event, true, 2, "", ""},
		{"closed without the last chunk", streamHead, chunked(event), true, 1, "without its last chunk", "RFC 9112 §7.1"},
		{"a decimal size", streamHead, "18\r\n" + event + event + "\r\n" + chunked(event+event+event), false, 2, `the chunk whose size line was "18", 24 bytes in hexadecimal`, "RFC 9112 §7.1"},
		{"a size with a sign", streamHead, "+9\r\n" + event + "\r\n", false, 0, "a chunk size is hexadecimal digits", "RFC 9112 §7.1"},
		{"a trailer that is no field", streamHead, chunked(event) + "0\r\nnonsense\r\n\r\n", false, 1, `the trailer line "nonsense\r\n"`, "RFC 9112 §7.1.2"},
		{"silence", streamHead, chunked(event), false, 1, "timeout", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStream(t, tc.head, tc.body, tc.closes)
			got, err := events(s)
			assert.Len(t, got, tc.events)
			if tc.err == "" {
				assert.Equal(t, io.EOF, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			if tc.section != "" {
				assert.Equal(t, tc.section, asFailure(err).Section)
			}
		})
	}
	t.Run("both framings", func(t *testing.T) {
		c := hostileConn(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")
		})
		h, err := c.readHead(c.patience())
		require.NoError(t, err)
		_, err = c.t.newStream(c, nil, h)
		assert.Equal(t, "RFC 9112 §6.2", asFailure(err).Section)
	})
}

// TestStreamGzip reads events from one gzip stream flushed per event,
// each before the next is written, and the stream's end with its trailer.
func TestStreamGzip(t *testing.T) {
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	var pieces []string
	for _, ev := range []string{"data: one\n\n", "data: two\n\n"} {
		zw.Write([]byte(ev))
		zw.Flush()
		pieces = append(pieces, body.String())
		body.Reset()
	}
	zw.Close()
	pieces = append(pieces, body.String())
	s := openTestStream(t, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(pieces...)+"0\r\n\r\n", false)
	got, err := events(s)
	assert.Equal(t, io.EOF, err)
	require.Len(t, got, 2)
	assert.Equal(t, "two", got[1].data)
}

// TestStreamBounds: whatever the server sends, a wait for an event holds
// a bounded amount, and ends on the bound rather than the timeout.
func TestStreamBounds(t *testing.T) {
	for _, tc := range []struct{ name, unit, err string }{
		{"a line without end", "data: aaaaaaaaaaaaaaaa", "runs past 65536 bytes"},
		{"comments without an event", ":\n", "bytes of the stream came without an event in them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := hostileConn(t, flood(streamHead, chunked(tc.unit)))
			h, err := c.readHead(c.patience())
			require.NoError(t, err)
			s, err := c.t.newStream(c, nil, h)
			require.NoError(t, err)
			_, err = s.next()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}
