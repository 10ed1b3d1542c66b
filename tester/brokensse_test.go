package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// naiveSSE is card 5's GET /events done the quick way, on the naive
// server of brokenhttp_test.go: a hub that keeps every event, and a
// goroutine per subscriber that writes what its channel brings. With no
// flaw it passes the event checks; each flaw breaks one thing.
type naiveSSE struct {
	buffered       bool // events pile up in a 64 KiB buffer, flushed only when full
	decimalChunks  bool // chunk sizes in decimal, not hexadecimal
	closeDelimited bool // no Transfer-Encoding: the stream runs to the close (allowed)
	noEventType    bool // no event: line, so every event is a "message"
	headStreams    bool // HEAD /events starts a stream, as GET does
	noIDs          bool // no id: line
	noReplay       bool // Last-Event-ID ignored
	replaysSeen    bool // the replay starts at the event Last-Event-ID names
	noMissed       bool // no missed event for an id it never gave out
	blockingFanout bool // publishing waits for each subscriber to take the event
	gzipWhole      bool // a gzip stream flushed only at its end
	noGzip         bool // a stream is never compressed
	headLate       bool // the head is held back until the first event, as Node's http does without flushHeaders

	// Choices a correct server may make, which the checks must accept.
	headClose   bool // HEAD /events answered with Connection: close, then the close
	headHangUp  bool // HEAD /events answered, then the close, without saying so (a warning)
	lazyCRLF    bool // a chunk's closing CRLF sent in front of the next chunk's size
	idBlock     bool // each event's id: in a block of its own, before the event
	greeting    bool // an event of the server's own type first
	gzipMembers bool // each event a gzip member of its own (RFC 1952 §2.2)
	xGzip       bool // Content-Encoding: x-gzip, which is gzip (RFC 9110 §8.4.1.3)
}

func init() {
	for name, flaw := range map[string]func(*naiveSSE){
		"sse-buffered":        func(f *naiveSSE) { f.buffered = true },
		"sse-decimal-chunks":  func(f *naiveSSE) { f.decimalChunks = true },
		"sse-close-delimited": func(f *naiveSSE) { f.closeDelimited = true },
		"sse-no-event-type":   func(f *naiveSSE) { f.noEventType = true },
		"sse-head-streams":    func(f *naiveSSE) { f.headStreams = true },
		"sse-no-ids":          func(f *naiveSSE) { f.noIDs = true },
		"sse-no-replay":       func(f *naiveSSE) { f.noReplay = true },
		"sse-replays-seen":    func(f *naiveSSE) { f.replaysSeen = true },
		"sse-no-missed":       func(f *naiveSSE) { f.noMissed = true },
		"sse-blocking-fanout": func(f *naiveSSE) { f.blockingFanout = true },
		"sse-gzip-whole":      func(f *naiveSSE) { f.gzipWhole = true },
		"sse-no-gzip":         func(f *naiveSSE) { f.noGzip = true },
		"sse-head-late":       func(f *naiveSSE) { f.headLate = true },
		"sse-head-close":      func(f *naiveSSE) { f.headClose = true },
		"sse-head-hang-up":    func(f *naiveSSE) { f.headHangUp = true },
		"sse-lazy-crlf":       func(f *naiveSSE) { f.lazyCRLF = true },
		"sse-id-block":        func(f *naiveSSE) { f.idBlock = true },
		"sse-greeting":        func(f *naiveSSE) { f.greeting = true },
		"sse-gzip-members":    func(f *naiveSSE) { f.gzipMembers = true },
		"sse-x-gzip":          func(f *naiveSSE) { f.xGzip = true },
	} {
		srv := naiveStage5
		flaw(&srv.sse)
		brokenServers[name] = srv.serve
	}
}

// naiveEvent is one event the naive hub keeps, all of them, for ever: a
// test server needs no bound.
type naiveEvent struct {
	id        int
	typ, data string
}

// naiveSub is one subscriber: the events its connection has to write.
type naiveSub struct{ ch chan naiveEvent }

var naiveHub = struct {
	sync.Mutex
	log  []naiveEvent
	subs map[*naiveSub]bool
}{subs: map[*naiveSub]bool{}}

// publish keeps an event and hands it to every subscriber: without
// waiting, and dropping one whose channel is full, unless the flaw makes
// it wait.
func (f naiveSSE) publish(typ string, v any) {
	data, _ := json.Marshal(v)
	h := &naiveHub
	h.Lock()
	defer h.Unlock()
	ev := naiveEvent{id: len(h.log) + 1, typ: typ, data: string(data)}
	h.log = append(h.log, ev)
	for sub := range h.subs {
		if f.blockingFanout {
			sub.ch <- ev
			continue
		}
		select {
		case sub.ch <- ev:
		default:
			delete(h.subs, sub)
			close(sub.ch)
		}
	}
}

// subscribe adds a subscriber, its channel primed with what it missed.
func (f naiveSSE) subscribe(lastEventID string) *naiveSub {
	h := &naiveHub
	h.Lock()
	defer h.Unlock()
	size := 4096
	if f.blockingFanout {
		size = 0
	}
	sub := &naiveSub{ch: make(chan naiveEvent, max(size, len(h.log)+1))}
	if lastEventID != "" && !f.noReplay {
		after, err := strconv.Atoi(lastEventID)
		switch {
		case err != nil || after > len(h.log):
			if !f.noMissed {
				sub.ch <- naiveEvent{id: len(h.log), typ: "missed", data: `{"reload":"/users"}`}
			}
		default:
			if f.replaysSeen {
				after--
			}
			for _, ev := range h.log[max(after, 0):] {
				sub.ch <- ev
			}
		}
	}
	h.subs[sub] = true
	return sub
}

// unsubscribe removes a subscriber that publish has not dropped. It takes
// what its channel still brings first, so that a publisher blocked on it
// lets go of the hub.
func (f naiveSSE) unsubscribe(sub *naiveSub) {
	go func() {
		for range sub.ch {
		}
	}()
	naiveHub.Lock()
	defer naiveHub.Unlock()
	if naiveHub.subs[sub] {
		delete(naiveHub.subs, sub)
		close(sub.ch)
	}
}

// serve answers GET and HEAD /events, and reports whether the connection
// goes on to another request: after HEAD, unless the flaw streams it.
func (f naiveSSE) serve(c net.Conn, r *bufio.Reader, req naiveRequest, gz bool) bool {
	gz = gz && !f.noGzip
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
	if !f.closeDelimited {
		head += "Transfer-Encoding: chunked\r\n"
	}
	switch {
	case gz && f.xGzip:
		head += "Content-Encoding: x-gzip\r\nVary: Accept-Encoding\r\n"
	case gz:
		head += "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"
	}
	switch {
	case req.method == "HEAD" && f.headClose:
		io.WriteString(c, head+"Connection: close\r\n\r\n")
		return false
	case req.method == "HEAD" && f.headHangUp:
		io.WriteString(c, head+"\r\n")
		return false
	case req.method == "HEAD" && !f.headStreams:
		io.WriteString(c, head+"\r\n")
		return true
	}
	sub := f.subscribe(req.headers["last-event-id"])
	defer f.unsubscribe(sub)
	if f.headLate {
		c = &headFirst{Conn: c, head: head + "\r\n"}
	} else if _, err := io.WriteString(c, head+"\r\n"); err != nil {
		return false
	}
	gone := make(chan struct{})
	go func() {
		io.Copy(io.Discard, r)
		close(gone)
	}()
	w := f.writer(c, gz)
	if f.greeting && w([]byte("event: hello\ndata: {}\n\n")) != nil {
		return false
	}
	for {
		select {
		case ev, ok := <-sub.ch:
			if !ok || w(f.format(ev)) != nil {
				return false
			}
		case <-gone:
			return false
		}
	}
}

// format is an event in text/event-stream form, with the flaws' lines
// left out.
func (f naiveSSE) format(ev naiveEvent) []byte {
	var b strings.Builder
	switch {
	case f.idBlock:
		fmt.Fprintf(&b, "id: %d\n\n", ev.id)
	case !f.noIDs:
		fmt.Fprintf(&b, "id: %d\n", ev.id)
	}
	if !f.noEventType {
		fmt.Fprintf(&b, "event: %s\n", ev.typ)
	}
	fmt.Fprintf(&b, "data: %s\n\n", ev.data)
	return []byte(b.String())
}

// writer returns the function that sends one event: through gzip if asked,
// into the buffer of the flaw that has one, and in chunks unless the
// stream runs to the close.
func (f naiveSSE) writer(c net.Conn, gz bool) func([]byte) error {
	chunks := 0
	chunk := func(p []byte) error {
		var err error
		switch {
		case f.closeDelimited:
			_, err = c.Write(p)
		case f.decimalChunks:
			_, err = fmt.Fprintf(c, "%d\r\n%s\r\n", len(p), p)
		case f.lazyCRLF && chunks == 0:
			_, err = fmt.Fprintf(c, "%x\r\n%s", len(p), p)
		case f.lazyCRLF:
			_, err = fmt.Fprintf(c, "\r\n%x\r\n%s", len(p), p)
		default:
			_, err = fmt.Fprintf(c, "%x\r\n%s\r\n", len(p), p)
		}
		chunks++
		return err
	}
	flush := func() error { return nil }
	var sink io.Writer = writerFunc(chunk)
	if f.buffered {
		sink = bufio.NewWriterSize(sink, 64<<10)
	}
	if gz && f.gzipMembers {
		return func(p []byte) error {
			zw := gzip.NewWriter(sink)
			if _, err := zw.Write(p); err != nil {
				return err
			}
			return zw.Close()
		}
	}
	if gz {
		zw := gzip.NewWriter(sink)
		sink = zw
		if !f.gzipWhole {
			flush = zw.Flush
		}
	}
	return func(p []byte) error {
		if _, err := sink.Write(p); err != nil {
			return err
		}
		return flush()
	}
}

// headFirst is a connection that sends a held-back head with its first
// write.
type headFirst struct {
	net.Conn
	head string
}

func (h *headFirst) Write(p []byte) (int, error) {
	if h.head != "" {
		p = append([]byte(h.head), p...)
		n, err := h.Conn.Write(p)
		n -= len(h.head)
		h.head = ""
		return max(n, 0), err
	}
	return h.Conn.Write(p)
}

// writerFunc is a func as an io.Writer.
type writerFunc func([]byte) error

func (w writerFunc) Write(p []byte) (int, error) { return len(p), w(p) }
