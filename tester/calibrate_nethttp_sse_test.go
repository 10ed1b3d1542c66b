package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// This file is card 5's GET /events for the calibration server, the way a
// Go programmer writes server-sent events on net/http: a buffered channel
// per subscriber, which publish never waits on, and http.Flusher after
// each event.

// calibrationEvent is one event the hub keeps.
type calibrationEvent struct {
	id        int
	typ, data string
}

// eventHub keeps the last 256 events for Last-Event-ID, and the channels
// of the subscribers.
type eventHub struct {
	mu     sync.Mutex
	lastID int
	recent []calibrationEvent
	subs   map[chan calibrationEvent]bool
}

func newEventHub() *eventHub { return &eventHub{subs: map[chan calibrationEvent]bool{}} }

// publish keeps an event and hands it to every subscriber; one whose
// channel is full cannot keep up, and is dropped.
func (h *eventHub) publish(typ string, v any) {
	data, _ := json.Marshal(v)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID++
	ev := calibrationEvent{h.lastID, typ, string(data)}
	h.recent = append(h.recent, ev)
	if len(h.recent) > 256 {
		h.recent = h.recent[1:]
	}
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// subscribe returns a new subscriber's channel and what it missed: the
// events after lastID, or, when they are not all kept, a missed event.
func (h *eventHub) subscribe(lastID string) (chan calibrationEvent, []calibrationEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan calibrationEvent, 64)
	h.subs[ch] = true
	if lastID == "" {
		return ch, nil
	}
	after, err := strconv.Atoi(lastID)
	oldest := h.lastID - len(h.recent) + 1
	if err != nil || after < oldest-1 || after > h.lastID {
		return ch, []calibrationEvent{{h.lastID, "missed", `{"reload":"/users"}`}}
	}
	return ch, append([]calibrationEvent(nil), h.recent[after-oldest+1:]...)
}

func (h *eventHub) unsubscribe(ch chan calibrationEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[ch] {
		delete(h.subs, ch)
		close(ch)
	}
}

// serve answers GET /events.
func (h *eventHub) serve(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	ch, missed := h.subscribe(r.Header.Get("Last-Event-ID"))
	defer h.unsubscribe(ch)
	w.WriteHeader(http.StatusOK)
	for _, ev := range missed {
		writeEvent(w, ev)
	}
	flusher.Flush()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return
			}
			writeEvent(w, ev)
		case <-heartbeat.C:
			fmt.Fprint(w, ":\n\n")
		case <-r.Context().Done():
			return
		}
		flusher.Flush()
	}
}

func writeEvent(w http.ResponseWriter, ev calibrationEvent) {
	fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.id, ev.typ, ev.data)
}
