package main

// Server-sent events (the WHATWG HTML standard, "Server-sent events"):
// GET /events keeps its response open and sends one event each time a
// user is created, changed or deleted, in the text/event-stream format
// that a browser's EventSource reads:
//
//	id: 7
//	event: user.created
//	data: {"id":3,"name":"Ada"}
//
// with a blank line after each event, and a comment line, ":", as a
// heartbeat every -heartbeat, so that a proxy that closes quiet
// connections sees traffic and the server learns of clients that left.
//
// The hub keeps the last eventBuffer events, already in wire form, in one
// ring that every subscriber reads. A subscriber is no more than a cursor
// into it, the id of the next event it needs: publishing an event costs
// one append and a wake per waiting subscriber, whatever their number,
// and a subscriber that falls behind holds nothing but its cursor. Its
// queue is the part of the ring after its cursor, bounded by the ring:
// one that falls eventBuffer events behind, because its client stopped
// reading, is dropped, and never slows the others. The same ring replays
// the events a client missed while it reconnected, from the Last-Event-ID
// it sends.
//
// How an event loop serves it (stage 6): a subscriber's wake, called by
// publish with the hub's lock held, must not block and must not need a
// goroutine of its own. Here it is a send on a channel of one, which the
// connection's goroutine waits on. On the loop it puts the connection on
// the loop's list of streams to drain and wakes the poller, once for all
// the events and subscribers of one turn; the loop then, for each
// connection on the list, calls Next and queues the bytes like any
// answer's, in the connection's output, within maxPendingOutput. A
// connection whose client does not read keeps its output pending, is not
// drained, and so falls behind in the ring until publish drops it. The
// heartbeat is one timer for the whole hub, not one per subscriber, and a
// client that leaves is seen by the poller as any closed socket is.

import (
	"encoding/json"
	"log"
	"strconv"
	"sync"
	"time"
)

// eventBuffer is how many of the latest events the hub keeps: to replay
// to a client that reconnects with Last-Event-ID, and as the most any
// subscriber may fall behind before it is dropped. 256 events of a user
// each are at most about 100 KiB.
const eventBuffer = 256

// The defaults of -heartbeat and -max-subscribers. Fifteen seconds is
// the WHATWG standard's suggestion for a comment that keeps proxies from
// closing the connection; a thousand subscribers hold a thousand
// connections of -max-conns' ten thousand, and no goroutine: on the loop
// a subscriber is a connection and a cursor (see stream.go).
const (
	defaultHeartbeat      = 15 * time.Second
	defaultMaxSubscribers = 1000
)

// heartbeat is the comment a subscriber gets when the hub's heartbeat
// finds it with nothing else to send. A line that starts with a colon is
// a comment, which a client ignores; the blank line after it ends
// nothing, since no field came before it.
const heartbeat = ":\n\n"

// events is the hub that the users store publishes its changes to, and
// GET /events subscribes to. main sets its bounds from -heartbeat and
// -max-subscribers.
var events = newEventHub(defaultMaxSubscribers, defaultHeartbeat)

var _ = app.GET("/events", events.stream)

// eventHub holds the last events and the subscribers. Every connection's
// goroutine, and the heartbeat's timer, may reach it at once; mu makes
// each method one step.
type eventHub struct {
	mu        sync.Mutex
	max       int                  // most subscribers at once; more are answered 503
	heartbeat time.Duration        // how often subscribers get a heartbeat
	ring      [eventBuffer][]byte  // the wire form of the event with id k is ring[k%eventBuffer]
	lastID    uint64               // the id of the newest event; ids start at 1
	subs      map[*subscriber]bool // the subscribers, each a Feed
	beat      *time.Timer          // the heartbeat, armed while there are subscribers
}

// newEventHub returns a hub without events, for at most max subscribers,
// which get a heartbeat every heartbeat.
func newEventHub(max int, heartbeat time.Duration) *eventHub {
	return &eventHub{max: max, heartbeat: heartbeat, subs: map[*subscriber]bool{}}
}

// subscriber is one client of GET /events: a Feed of the hub's events,
// from next on.
type subscriber struct {
	hub     *eventHub
	next    uint64 // the id of the next event to send
	notice  []byte // an event to send before the others: the missed event
	wake    func() // wakes the connection; nil until Start
	waiting bool   // it has taken all there is: the next event wakes it
	beatDue bool   // the heartbeat came since it last sent anything
	dropped bool   // it fell eventBuffer events behind and was let go
}

// oldest returns the id of the oldest event the hub still keeps, or 1
// before there is any. The caller holds mu.
func (h *eventHub) oldest() uint64 {
	if h.lastID < eventBuffer {
		return 1
	}
	return h.lastID - eventBuffer + 1
}

// publish sends an event of type typ, with v as JSON, to every
// subscriber, and keeps it for replay. It never blocks: it wakes the
// subscribers that wait, and drops those that would miss the event the
// new one pushes out of the ring. A nil hub publishes nothing, for the
// stores of tests.
func (h *eventHub) publish(typ string, v any) {
	if h == nil {
		return
	}
	data, _ := json.Marshal(v) // a User or a userRef: cannot fail
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID++
	slot := &h.ring[h.lastID%eventBuffer]
	*slot = appendEvent((*slot)[:0], h.lastID, typ, data)
	oldest := h.oldest()
	for s := range h.subs {
		switch {
		case s.next < oldest:
			log.Printf("events: dropped a subscriber %d events behind: its client does not read", h.lastID-s.next)
			s.dropped = true
			delete(h.subs, s)
			s.wakeUp()
		case s.waiting:
			s.wakeUp()
		}
	}
}

// wakeUp wakes s's connection, if it has started. The caller holds the
// hub's mu.
func (s *subscriber) wakeUp() {
	s.waiting = false
	if s.wake != nil {
		s.wake()
	}
}

// appendEvent appends one event in the text/event-stream format: id:,
// so that a client that reconnects can say where it left off; event:, the
// type, which a browser dispatches to addEventListener(type); data:, the
// JSON; and the blank line that ends the event. JSON holds no line break
// (json.Marshal escapes them), so one data: line carries it whole.
func appendEvent(b []byte, id uint64, typ string, data []byte) []byte {
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, "\nevent: "...)
	b = append(b, typ...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// stream answers GET /events with 200 and a text/event-stream of the
// users' changes: from now on, or, when the request has Last-Event-ID,
// from the event after that one. When the events after it are no longer
// kept (or the id is not one the hub gave out, as after a restart), the
// stream starts with a "missed" event, which tells the client to reload
// /users, and goes on from now. Past the most subscribers, 503.
func (h *eventHub) stream(req *Request) *Response {
	s, ok := h.subscribe(req.Header.Get("Last-Event-ID"))
	if !ok {
		resp := jsonResponse(errorJSON(503, "too many event subscribers: this server takes %d at once", h.max))
		resp.Header.Add("Retry-After", "5")
		return resp
	}
	return &Response{Status: 200, Header: Header{
		{Name: "Content-Type", Value: "text/event-stream"},
		// An event stream is news: nothing on the way may keep a copy.
		{Name: "Cache-Control", Value: "no-store"},
	}, Feed: s}
}

// subscribe adds a subscriber whose client last saw the event lastEventID,
// "" for none, or reports false when the hub has its most.
func (h *eventHub) subscribe(lastEventID string) (*subscriber, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= h.max {
		return nil, false
	}
	s := &subscriber{hub: h, next: h.lastID + 1}
	if lastEventID != "" {
		if after, ok := h.resumable(lastEventID); ok {
			s.next = after + 1
		} else {
			s.notice = h.missed(lastEventID)
		}
	}
	h.subs[s] = true
	if h.beat == nil {
		h.beat = time.AfterFunc(h.heartbeat, h.beatAll)
	}
	return s, true
}

// resumable returns the id that a Last-Event-ID names, if the hub still
// keeps every event after it: a canonical decimal from the one before the
// oldest kept to the newest. The caller holds mu.
func (h *eventHub) resumable(lastEventID string) (uint64, bool) {
	id, err := strconv.ParseUint(lastEventID, 10, 64)
	if err != nil || strconv.FormatUint(id, 10) != lastEventID {
		return 0, false
	}
	return id, id+1 >= h.oldest() && id <= h.lastID
}

// missed is the event that tells a client its Last-Event-ID is too old,
// or unknown, so it cannot be given what it missed: it reloads /users
// instead, and the events from now on keep it up to date. Its id is the
// newest event's, so that a client that reconnects again before the next
// event misses nothing.
func (h *eventHub) missed(lastEventID string) []byte {
	data, _ := json.Marshal(map[string]string{"lastEventId": lastEventID, "reload": "/users"}) // strings: cannot fail
	return appendEvent(nil, h.lastID, "missed", data)
}

// beatAll is the heartbeat: every subscriber is due one, and those that
// wait are woken to send it. It runs every h.heartbeat while there are
// subscribers.
func (h *eventHub) beatAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		h.beat = nil // subscribe arms it again
		return
	}
	for s := range h.subs {
		s.beatDue = true
		if s.waiting {
			s.wakeUp()
		}
	}
	h.beat.Reset(h.heartbeat)
}

// Start records the function that wakes s's connection.
func (s *subscriber) Start(wake func()) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.wake = wake
}

// Next appends the events s has not been sent yet, after the missed
// event if it has one, or else the heartbeat if one is due. A dropped
// subscriber's feed has ended; an event stream needs nothing to end it.
func (s *subscriber) Next(p []byte, end bool) ([]byte, bool) {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if s.dropped {
		return p, true
	}
	start := len(p)
	p = append(p, s.notice...)
	s.notice = nil
	for ; s.next <= h.lastID; s.next++ {
		p = append(p, h.ring[s.next%eventBuffer]...)
	}
	if s.beatDue && len(p) == start {
		p = append(p, heartbeat...)
	}
	s.beatDue = false
	s.waiting = true
	return p, end
}

// Close unsubscribes s.
func (s *subscriber) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	delete(s.hub.subs, s)
}
