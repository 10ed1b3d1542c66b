//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subscribers returns how many subscribers h has.
func (h *eventHub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// lastEvent returns the id of h's newest event.
func (h *eventHub) lastEvent() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastID
}

// eventText is the text/event-stream form of one event, as the tests expect it.
func eventText(id uint64, typ, data string) string {
	return fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", id, typ, data)
}

// drain returns what s has ready.
func drain(t *testing.T, s *subscriber) string {
	t.Helper()
	p, done := s.Next(nil, false)
	require.False(t, done, "the feed has not ended")
	return string(p)
}

func TestAppendEvent(t *testing.T) {
	got := appendEvent(nil, 12, "user.created", []byte(`{"id":3,"name":"Ada\nLovelace"}`))
	assert.Equal(t, "id: 12\nevent: user.created\ndata: {\"id\":3,\"name\":\"Ada\\nLovelace\"}\n\n", string(got))
}

// TestPublishedUserEvents checks the events the store publishes: one per
// change, in the order the changes were made, with the user as data, and
// only the id of a deleted one.
func TestPublishedUserEvents(t *testing.T) {
	hub := newEventHub(10, time.Hour)
	store := &userStore{max: 10, events: hub}
	s, ok := hub.subscribe("")
	require.True(t, ok)
	u, _ := store.Create("Ada")
	store.Update(u.ID, "Ada Lovelace")
	store.Update(99, "nobody") // no change, no event
	store.Delete(u.ID)
	store.Delete(u.ID)
	assert.Equal(t, eventText(1, "user.created", `{"id":1,"name":"Ada"}`)+
		eventText(2, "user.updated", `{"id":1,"name":"Ada Lovelace"}`)+
		eventText(3, "user.deleted", `{"id":1}`), drain(t, s))
}

// TestHubResume checks Last-Event-ID: an id whose successors are all kept
// replays them; any other (too old, never given out, not a canonical
// decimal) gets the missed event, with the newest id, and the events from
// then on.
func TestHubResume(t *testing.T) {
	hub := newEventHub(100, time.Hour)
	for i := 1; i <= 5; i++ {
		hub.publish("tick", i)
	}
	missed := func(id string, newest uint64) string {
		return eventText(newest, "missed", `{"lastEventId":"`+id+`","reload":"/users"}`)
	}
	for _, tc := range []struct{ lastEventID, want string }{
		{"", ""},
		{"5", ""},
		{"3", eventText(4, "tick", "4") + eventText(5, "tick", "5")},
		{"0", eventText(1, "tick", "1") + eventText(2, "tick", "2") + eventText(3, "tick", "3") + eventText(4, "tick", "4") + eventText(5, "tick", "5")},
		{"6", missed("6", 5)},
		{"03", missed("03", 5)},
		{"+3", missed("+3", 5)},
		{"abc", missed("abc", 5)},
		{"18446744073709551616", missed("18446744073709551616", 5)},
	} {
		t.Run(tc.lastEventID, func(t *testing.T) {
			s, ok := hub.subscribe(tc.lastEventID)
			require.True(t, ok)
			defer s.Close()
			assert.Equal(t, tc.want, drain(t, s))
		})
	}

	// Past the ring, the oldest kept is eventBuffer events back.
	for i := 6; i <= eventBuffer+10; i++ {
		hub.publish("tick", i)
	}
	newest := uint64(eventBuffer + 10)
	s, _ := hub.subscribe("10")
	assert.Equal(t, eventText(11, "tick", "11"), drain(t, s)[:len(eventText(11, "tick", "11"))], "10 is the one before the oldest kept")
	s.Close()
	s, _ = hub.subscribe("9")
	assert.Equal(t, missed("9", newest), drain(t, s), "event 10 is gone")
	hub.publish("tick", "after")
	assert.Equal(t, eventText(newest+1, "tick", `"after"`), drain(t, s), "then the events from now on")
	s.Close()
}

// TestHubDropsSlowSubscriber checks the bound on a subscriber that takes
// nothing: once the event it needs next leaves the ring, it is dropped
// (its feed ends) and unsubscribed, and the one that keeps up gets every
// event; nothing was queued for the slow one, so nothing is held for it.
func TestHubDropsSlowSubscriber(t *testing.T) {
	hub := newEventHub(10, time.Hour)
	slow, _ := hub.subscribe("")
	slow.Start(func() {})
	fast, _ := hub.subscribe("")
	woken := 0
	fast.Start(func() { woken++ })
	assert.Equal(t, "", drain(t, fast), "it waits for the first")
	for i := 1; i <= eventBuffer+1; i++ {
		hub.publish("tick", i)
		assert.Equal(t, eventText(uint64(i), "tick", fmt.Sprint(i)), drain(t, fast))
		if i == eventBuffer {
			assert.Equal(t, 2, hub.subscribers(), "a full queue is not yet an overflow")
		}
	}
	assert.Equal(t, eventBuffer+1, woken, "the fast one was woken for each event")
	p, done := slow.Next(nil, false)
	assert.True(t, done, "the slow one's feed has ended")
	assert.Empty(t, p)
	assert.Equal(t, 1, hub.subscribers())
}

// TestHubHeartbeat checks that a subscriber with nothing to send is woken
// for a heartbeat, a comment line, and that one with events gets them
// instead.
func TestHubHeartbeat(t *testing.T) {
	hub := newEventHub(10, 20*time.Millisecond)
	s, _ := hub.subscribe("")
	defer s.Close()
	woken := make(chan struct{}, 1)
	s.Start(func() {
		select {
		case woken <- struct{}{}:
		default:
		}
	})
	assert.Equal(t, "", drain(t, s))
	wait := func() {
		select {
		case <-woken:
		case <-time.After(testDeadline):
			require.Fail(t, "no heartbeat")
		}
	}
	wait()
	assert.Equal(t, ":\n\n", drain(t, s))
	assert.Equal(t, "", drain(t, s), "one heartbeat per beat")
	wait()
	hub.publish("tick", 1)
	assert.Equal(t, eventText(1, "tick", "1"), drain(t, s), "an event proves the connection alive")
}

// TestHubMaxSubscribers checks the bound on subscribers: past it, 503 with
// Retry-After and a JSON error; after one leaves, a new one is taken.
func TestHubMaxSubscribers(t *testing.T) {
	hub := newEventHub(2, time.Hour)
	var feeds []Feed
	for range 2 {
		resp := hub.stream(get("/events"))
		require.Equal(t, 200, resp.Status)
		feeds = append(feeds, resp.Feed)
	}
	resp := hub.stream(get("/events"))
	assert.Equal(t, 503, resp.Status)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	assert.JSONEq(t, `{"error":"too many event subscribers: this server takes 2 at once"}`, string(resp.Body))
	feeds[0].Close()
	assert.Equal(t, 200, hub.stream(get("/events")).Status)
}

// readEvent reads one event, up to its blank line, from a stream body
// decoded by net/http, skipping heartbeats.
func readEvent(t *testing.T, r io.Reader) string {
	t.Helper()
	var ev []byte
	b := make([]byte, 1)
	for {
		_, err := io.ReadFull(r, b)
		require.NoError(t, err, "read so far: %q", ev)
		ev = append(ev, b[0])
		switch {
		case string(ev) == heartbeat:
			ev = ev[:0]
		case bytes.HasSuffix(ev, []byte("\n\n")):
			return string(ev)
		}
	}
}

// openEvents sends GET /events with the extra header lines and returns the
// response, its body decoded from chunks by net/http.
func openEvents(t *testing.T, addr string, headers ...string) (*client, *http.Response) {
	t.Helper()
	c := dial(t, addr)
	c.send("GET /events HTTP/1.1\r\nHost: x\r\n" + strings.Join(append(headers, ""), "\r\n") + "\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	return c, resp
}

// TestEventsOverTCP is the route end to end: a subscriber sees a user
// created, renamed and deleted through the API, one event at a time as
// each happens, and one that reconnects with the id of the first gets the
// other two again.
func TestEventsOverTCP(t *testing.T) {
	addr := startServer(t, testConfig)
	_, stream := openEvents(t, addr)
	assert.Equal(t, "text/event-stream", stream.Header.Get("Content-Type"))
	assert.Equal(t, []string{"chunked"}, stream.TransferEncoding)
	assert.Equal(t, "no-store", stream.Header.Get("Cache-Control"))

	api := dial(t, addr)
	api.send(jsonRequest("POST", "/users", `{"name":"Ada"}`))
	_, body := api.response()
	var u User
	require.NoError(t, json.Unmarshal([]byte(body), &u))
	created := events.lastEvent()
	assert.Equal(t, eventText(created, "user.created", fmt.Sprintf(`{"id":%d,"name":"Ada"}`, u.ID)), readEvent(t, stream.Body))

	api.send(jsonRequest("PUT", fmt.Sprintf("/users/%d", u.ID), `{"name":"Grace"}`))
	api.response()
	assert.Equal(t, eventText(created+1, "user.updated", fmt.Sprintf(`{"id":%d,"name":"Grace"}`, u.ID)), readEvent(t, stream.Body))
	api.send(fmt.Sprintf("DELETE /users/%d HTTP/1.1\r\nHost: x\r\n\r\n", u.ID))
	api.response()
	assert.Equal(t, eventText(created+2, "user.deleted", fmt.Sprintf(`{"id":%d}`, u.ID)), readEvent(t, stream.Body))

	_, again := openEvents(t, addr, fmt.Sprintf("Last-Event-ID: %d", created))
	assert.Equal(t, eventText(created+1, "user.updated", fmt.Sprintf(`{"id":%d,"name":"Grace"}`, u.ID)), readEvent(t, again.Body))
	assert.Equal(t, eventText(created+2, "user.deleted", fmt.Sprintf(`{"id":%d}`, u.ID)), readEvent(t, again.Body))
}

// jsonRequest is a request with a JSON body, in wire form.
func jsonRequest(method, target, body string) string {
	return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", method, target, len(body), body)
}

// TestEventsHead checks HEAD /events: the head of GET's answer, no body,
// and no subscriber left behind.
func TestEventsHead(t *testing.T) {
	before := events.subscribers()
	c := dial(t, startServer(t, testConfig))
	c.send("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n")
	assert.Equal(t, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n", c.readHead())
	assert.Equal(t, before, events.subscribers())
}

// TestEventsSlowSubscriberOverTCP is the bound on a client that subscribes
// and stops reading, over TCP: as events keep coming, it is dropped once
// it is eventBuffer events behind, while another subscriber, which reads,
// gets every event; and what the server holds does not grow with the
// events the slow one never took.
func TestEventsSlowSubscriberOverTCP(t *testing.T) {
	hub := newEventHub(10, time.Hour)
	addr := startServer(t, config{handler: hub.stream})

	slow := dial(t, addr)
	require.NoError(t, slow.conn.(*net.TCPConn).SetReadBuffer(4<<10))
	slow.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
	eventually(t, func() bool { return hub.subscribers() == 1 }, "the slow one subscribed")
	_, fast := openEvents(t, addr)
	eventually(t, func() bool { return hub.subscribers() == 2 }, "the fast one subscribed")

	const events = 4000
	data := strings.Repeat("x", 4<<10)
	var read atomic.Int64
	got := make(chan error, 1)
	go func() { got <- readTicks(fast.Body, events, data, &read) }()
	before := liveHeap()
	for i := 1; i <= events; i++ {
		// Keep the fast one within half the ring, as a client that
		// reads does.
		eventually(t, func() bool { return read.Load() >= int64(i-eventBuffer/2) }, "the fast one keeps up")
		hub.publish("tick", data)
	}
	eventually(t, func() bool { return hub.subscribers() == 1 }, "the slow one was dropped")
	require.NoError(t, <-got)
	held := int64(liveHeap()) - int64(before)
	assert.Less(t, held, int64(8<<20), "%d events of %d KiB, %d MiB in all, left %d KiB held", events, len(data)>>10, events*len(data)>>20, held>>10)
}

// readTicks reads n events of data from r, counting them in read, and
// fails if one is missing.
func readTicks(r io.Reader, n int, data string, read *atomic.Int64) error {
	quoted, _ := json.Marshal(data)
	want := make([]byte, 0, 8<<10)
	got := make([]byte, 0, 8<<10)
	for id := 1; id <= n; id++ {
		want = appendEvent(want[:0], uint64(id), "tick", quoted)
		got = got[:len(want)]
		if _, err := io.ReadFull(r, got); err != nil {
			return fmt.Errorf("event %d: %w", id, err)
		}
		if string(got) != string(want) {
			return fmt.Errorf("event %d: got %.60q", id, got)
		}
		read.Store(int64(id))
	}
	return nil
}

// TestEventsGzip checks a compressed stream: one gzip stream, flushed per
// event, so each event decompresses as it arrives, and ended with gzip's
// trailer, which the reader checks, when the stream ends.
func TestEventsGzip(t *testing.T) {
	hub := newEventHub(10, time.Hour)
	cfg := testConfig
	cfg.handler = gzipMiddleware(hub.stream)
	addr, stop := stoppable(t, cfg)
	c, stream := openEvents(t, addr, "Accept-Encoding: gzip")
	assert.Equal(t, "gzip", stream.Header.Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", stream.Header.Get("Vary"))
	eventually(t, func() bool { return hub.subscribers() == 1 }, "subscribed")

	hub.publish("tick", 1)
	zr, err := gzip.NewReader(stream.Body)
	require.NoError(t, err)
	assert.Equal(t, eventText(1, "tick", "1"), readEvent(t, zr))
	hub.publish("tick", 2)
	assert.Equal(t, eventText(2, "tick", "2"), readEvent(t, zr))

	done := stop()
	rest, err := io.ReadAll(zr)
	require.NoError(t, err, "the gzip stream ends whole, checksum and all")
	assert.Empty(t, rest)
	stopped(t, done)
	c.closed()
	assert.Len(t, gzipFeedSlots, 0, "the slot is given back")
}
