package main

// The event checks: card 5's streaming and server-sent events. Each opens
// GET /events as a browser's EventSource does, changes users through the
// API on another connection, and reads the events as they arrive, while
// the stream stays open: a server that holds the stream back until it
// ends never sends one.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Where a failed event check sends the learner.
const readEvents = "stages/05-json.md#server-sent-events and docs/05-json.md#server-sent-events"

// sectionEvents is the card's section, the authority of its own choices.
const sectionEvents = "stages/05-json.md#server-sent-events"

func init() {
	register(
		check{stage: 5, slug: "events-stream", name: "GET /events streams each change to a user as an event, in chunks, while the stream stays open", read: readEvents, run: eventsStream, hints: []string{
			"Look at what GET /events sends and when: the tester reads its head, then creates, renames and deletes a user on another connection, and waits for each event before the next change.",
			"Common causes: the response is buffered until it ends (flush after each event), the chunk sizes are decimal, the event: line is missing, the subscriber is added after the head is sent, or HEAD /events starts a stream.",
			"Answer 200 with Content-Type: text/event-stream and Transfer-Encoding: chunked; subscribe, then send the head; for each change write one chunk of id:, event: user.created (or .updated, .deleted), data: JSON and a blank line, and flush it.",
		}},
		check{stage: 5, slug: "events-replay", name: "a client that comes back with Last-Event-ID gets the events it missed, and only those", read: readEvents, run: eventsReplay, hints: []string{
			"Look at how your server reads Last-Event-ID: the tester sees one event, disconnects, renames and deletes the user, and reconnects with the id of the event it saw.",
			"The events probably have no id:, the server keeps no events for those who were away, or it starts from the wrong one (the event named is the last the client has, not the first it wants).",
			"Give every event an increasing id; keep the last few hundred in a ring; on a request with Last-Event-ID, send those after it first, then the new ones; for an id you no longer keep, send an event: missed.",
		}},
		check{stage: 5, slug: "events-slow-subscriber", name: "a subscriber that stops reading delays neither the API nor another subscriber", read: readEvents, run: eventsSlowSubscriber, hints: []string{
			"Look at what happens to an event on its way to a subscriber whose client reads nothing: the tester keeps one such subscriber, and renames a user thousands of times while another subscriber reads.",
			"The change probably writes the event to every subscriber's socket itself, or one goroutine or thread writes to all in turn: once the stuck client's socket buffer is full, that write blocks, and so does everyone behind it.",
			"Give each subscriber a bounded queue that its own connection drains; publishing only appends to the queues, never waits, and drops a subscriber whose queue is full.",
		}},
		check{stage: 5, slug: "events-gzip", name: "an event stream compressed with gzip decompresses one event at a time", read: readEvents, run: eventsGzip, hints: []string{
			"Look at how your gzip middleware handles a body that never ends: the tester asks for GET /events with Accept-Encoding: gzip and waits for each event to decompress.",
			"The compressor probably keeps what it was given until it is closed: the events sit in it, and nothing, or only gzip's header, reaches the client.",
			"Compress the stream as one gzip stream and flush the compressor after each event (a sync flush, Z_SYNC_FLUSH in zlib), then the chunk; close it, for its trailer, when the stream ends.",
		}},
	)
}

// eventStreamHeaders are the header lines an EventSource sends.
var eventStreamHeaders = []string{"Accept: text/event-stream", "Cache-Control: no-cache"}

// openEvents sends GET /events on a new connection, with the header lines
// an EventSource sends and extra, and reads the head.
func (t *T) openEvents(extra ...string) (*stream, error) {
	c, err := t.dial()
	if err != nil {
		return nil, err
	}
	s, err := t.openEventsOn(c, extra...)
	if err != nil {
		c.Close()
	}
	return s, err
}

// openEventsOn is openEvents on a connection the caller dialled. The head
// must say 200 and text/event-stream, or an EventSource fails the
// connection (WHATWG HTML §9.2.3), and come at once, before any event.
func (t *T) openEventsOn(c *conn, extra ...string) (*stream, error) {
	req := request("GET", "/events", append(eventStreamHeaders[:len(eventStreamHeaders):len(eventStreamHeaders)], extra...), nil)
	if err := c.send(req); err != nil {
		return nil, err
	}
	head, err := t.readFinal(c, req, true)
	if err != nil {
		hint := ""
		if errors.Is(err, errTimeout) && len(c.in) == 0 {
			hint = "send the head as soon as the stream opens, before any event: a library may hold it back until the first write (Node's http: call res.flushHeaders(); Python: flush wfile after end_headers())"
		}
		return nil, annotate(err, "the request was GET /events: its head is due at once, before any event", hint)
	}
	if err := t.expectStatus(head, want{code: 200}); err != nil {
		if head.code != 200 {
			err = annotate(err, "an EventSource fails the connection on any status but 200 (WHATWG HTML §9.2.3)", "")
		}
		return nil, withExchange(err, req, head.raw)
	}
	if ct := head.get("Content-Type"); !headerValueMatches("Content-Type", "text/event-stream", ct) {
		return nil, &failure{Summary: fmt.Sprintf("expected Content-Type: text/event-stream, got %q: an EventSource fails the connection on any other type", ct), Section: "WHATWG HTML §9.2.3",
			Sent: req, Got: head.raw, Hint: "answer GET /events with Content-Type: text/event-stream"}
	}
	return t.newStream(c, req, head)
}

// nextEvent reads the next event of s, which is due because of what: a
// change the tester made, answered already. Events of a type the card
// does not name (a greeting, a server's own notices) are skipped, as a
// page that listens for user.created skips them; a stream of nothing else
// ends the wait as silence does.
func (t *T) nextEvent(s *stream, what string) (*sseEvent, error) {
	ev, err := s.next()
	for skipped := 0; err == nil && !cardEventType(ev.typ) && skipped < maxSkippedEvents; skipped++ {
		ev, err = s.next()
	}
	switch {
	case err == nil:
		return ev, nil
	case err == io.EOF:
		return nil, s.fail("the stream ended before the event for "+what+": an event stream goes on until the client leaves", sectionEvents,
			"keep the response open after each event; end it only when the client closes or the server stops")
	case errors.Is(err, errTimeout):
		f := s.fail(fmt.Sprintf("no event for %s within %v, though the stream stayed open: the event is held back somewhere", what, t.timeout), sectionEvents,
			"flush each event to the socket as soon as it is written, chunk and all, rather than when a buffer fills or the response ends; and subscribe before sending the head")
		f.cause = err
		return nil, f
	}
	return nil, err
}

// maxSkippedEvents bounds the events of other types nextEvent skips.
const maxSkippedEvents = 16

// cardEventType reports whether typ is one the card names, or "message",
// the type of an event without an event: line, which checkEvent explains.
func cardEventType(typ string) bool {
	return typ == "message" || typ == "missed" || strings.HasPrefix(typ, "user.")
}

// expectEvent reads the next event and requires it to be of type typ,
// with data the JSON of want's fields (checkEvent).
func (t *T) expectEvent(s *stream, what, typ string, want map[string]any) (*sseEvent, error) {
	ev, err := t.nextEvent(s, what)
	if err != nil {
		return nil, err
	}
	return ev, checkEvent(s, ev, what, typ, want)
}

// checkEvent requires ev to be of type typ, with data a JSON object that
// has want's fields, compared as JSON values.
func checkEvent(s *stream, ev *sseEvent, what, typ string, want map[string]any) error {
	if ev.typ != typ {
		return &failure{Summary: fmt.Sprintf("the event for %s has type %q; the card's is %q (event: %s)", what, ev.typ, typ, typ), Section: sectionEvents,
			Sent: s.req, Got: ev.raw, Hint: "name each event with an event: line, user.created, user.updated or user.deleted, which is what a page's addEventListener listens for"}
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(ev.data))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		return &failure{Summary: fmt.Sprintf("the data of the event for %s is not a JSON object: %v", what, err), Section: sectionEvents,
			Sent: s.req, Got: ev.raw, Hint: "send the user as JSON on one data: line, as GET /users/:id answers it"}
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			return &failure{Summary: fmt.Sprintf("the event for %s says %q: %v; expected %v", what, k, got[k], v), Section: sectionEvents,
				Sent: s.req, Got: ev.raw, Hint: "the data of user.created and user.updated is the user as it now is; of user.deleted, {\"id\": N}"}
		}
	}
	return nil
}

// reproduceStream records the line that shows an event arrive: curl -N
// listens in the background while a second curl creates a user.
func (t *T) reproduceStream(curlFlags, name string) {
	body, _ := json.Marshal(map[string]string{"name": name})
	t.reproduce("(curl -sN%s --max-time 2 %s; exit 0) & sleep 0.5; curl -s -H 'Content-Type: application/json' --data-binary %s %s; wait   # the event comes on the first, as the second creates the user",
		curlFlags, shellQuote(t.reproURL("/events")), shellQuote(string(body)), shellQuote(t.reproURL("/users")))
}

// change sends a request that changes the users on c, and requires code.
func (t *T) change(c *conn, method, target string, body []byte, code int) error {
	var h []string
	if body != nil {
		h = jsonHeaders
	}
	_, err := t.exchange(c, request(method, target, h, body), want{code: code})
	return err
}

// rename renames user id to name on c.
func (t *T) rename(c *conn, id, name string) error {
	body, _ := json.Marshal(map[string]string{"name": name})
	return t.change(c, "PUT", "/users/"+id, body, 200)
}

// openWithAPI opens GET /events, with extra header lines, and a
// connection for the API calls that make its events. The caller closes
// both; on an error, neither is open.
func (t *T) openWithAPI(extra ...string) (*stream, *conn, error) {
	s, err := t.openEvents(extra...)
	if err != nil {
		return nil, nil, err
	}
	api, err := t.dial()
	if err != nil {
		s.c.Close()
		return nil, nil, err
	}
	return s, api, nil
}

// createAndSee creates a user called name on api and requires its
// user.created event on s.
func (t *T) createAndSee(s *stream, api *conn, name string) (user, *sseEvent, error) {
	u, err := t.createUser(api, name)
	if err != nil {
		return u, nil, err
	}
	ev, err := t.expectEvent(s, "the user just created", "user.created", map[string]any{"id": u.ID, "name": name})
	return u, ev, err
}

func eventsStream(t *T) error {
	s, api, err := t.openWithAPI()
	if err != nil {
		return err
	}
	defer s.c.Close()
	defer api.Close()
	name := t.randomWord()
	t.reproduceStream("", name)
	u, _, err := t.createAndSee(s, api, name)
	if err != nil {
		return err
	}
	renamed := t.randomWord()
	if err := t.rename(api, u.ID.String(), renamed); err != nil {
		return err
	}
	if _, err := t.expectEvent(s, "the user just renamed", "user.updated", map[string]any{"id": u.ID, "name": renamed}); err != nil {
		return err
	}
	if err := t.change(api, "DELETE", "/users/"+u.ID.String(), nil, 204); err != nil {
		return err
	}
	if _, err := t.expectEvent(s, "the user just deleted", "user.deleted", map[string]any{"id": u.ID}); err != nil {
		return err
	}
	return t.headEvents()
}

// headEvents sends HEAD /events, whose answer is GET's head without a
// stream (RFC 9110 §9.3.2), then a GET on the same connection, whose
// answer must come next.
func (t *T) headEvents() error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	req := request("HEAD", "/events", nil, nil)
	t.reproduceHTTP(t.curl("HEAD", "/events", nil, nil), 200)
	resp, err := t.exchange(c, req, want{code: 200, head: true, more: true})
	if err != nil {
		return annotate(err, "the request was HEAD /events", "")
	}
	if ct := resp.get("Content-Type"); !headerValueMatches("Content-Type", "text/event-stream", ct) {
		if err := t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("HEAD /events says Content-Type: %q, not GET's text/event-stream", ct), Section: "RFC 9110 §9.3.2",
			Why: "a server should send HEAD the header fields GET would get"}); err != nil {
			return err
		}
	}
	if hasToken(resp.header("Connection"), "close") {
		// The server said it will process no more requests on this
		// connection, and the tester must send none (RFC 9112 §9.6).
		return nil
	}
	word := t.randomWord()
	_, err = t.exchange(c, request("GET", "/echo/"+word, nil, nil), textBody(word))
	if err != nil && c.eof && len(c.in) == 0 {
		return t.adviseAbout(req, resp, warning{Summary: "the server closed the connection after HEAD /events without answering the next request, and without Connection: close", Section: "RFC 9112 §9.6",
			Why: "a server may close a connection at any time (RFC 9112 §9.5), but without Connection: close the client learns it only by sending a request that is lost"})
	}
	return annotate(err, "the request came on the connection of a HEAD /events, just after its answer",
		"a response to HEAD has no body (RFC 9110 §9.3.2): for HEAD /events send the head, start no stream, and go on to the connection's next request")
}

func eventsReplay(t *T) error {
	first, api, err := t.openWithAPI()
	if err != nil {
		return err
	}
	defer first.c.Close()
	defer api.Close()
	u, seen, err := t.createAndSee(first, api, t.randomWord())
	if err != nil {
		return err
	}
	if seen.id == "" {
		return first.fail("the event has no id: line, so a client that comes back cannot say where it left off", "WHATWG HTML §9.2.4",
			"give every event an id: line, a number that grows with each event: a reconnecting EventSource sends the last one as Last-Event-ID")
	}
	first.c.Close()

	// While nobody listens: a rename and a delete.
	renamed := t.randomWord()
	if err := t.rename(api, u.ID.String(), renamed); err != nil {
		return err
	}
	if err := t.change(api, "DELETE", "/users/"+u.ID.String(), nil, 204); err != nil {
		return err
	}
	t.reproduce("curl -sN --max-time 1 -H %s %s; true   # the events after that id, if the server still keeps them", shellQuote("Last-Event-ID: "+seen.id), shellQuote(t.reproURL("/events")))
	if err := t.replayed(seen, u.ID.String(), renamed); err != nil {
		return err
	}
	return t.unknownLastEventID(api)
}

// replayed reconnects with the id of seen and requires the two events that
// came since, and not seen again.
func (t *T) replayed(seen *sseEvent, id, renamed string) error {
	s, err := t.openEvents("Last-Event-ID: " + seen.id)
	if err != nil {
		return err
	}
	defer s.c.Close()
	detail := fmt.Sprintf("the client saw the event with id %q, went away, and came back with Last-Event-ID: %s; meanwhile the user was renamed, then deleted", seen.id, seen.id)
	const what = "the rename made while the client was away"
	upd, err := t.nextEvent(s, what)
	if err == nil && upd.typ == seen.typ && upd.data == seen.data {
		err = s.fail("the event the client had already seen came again: Last-Event-ID names the last event the client has, and the replay starts after it", "WHATWG HTML §9.2.4",
			"replay the events whose ids come after Last-Event-ID, not the one it names")
	} else if err == nil {
		err = checkEvent(s, upd, what, "user.updated", map[string]any{"id": id, "name": renamed})
	}
	if err != nil {
		return annotate(err, detail, replayHint(err))
	}
	del, err := t.expectEvent(s, "the delete made while the client was away", "user.deleted", map[string]any{"id": id})
	if err != nil {
		return annotate(err, detail, replayHint(err))
	}
	if upd.id == "" || upd.id == seen.id || del.id == upd.id {
		return s.fail(fmt.Sprintf("the replayed events have the ids %q and %q, after %q: each event needs an id of its own", upd.id, del.id, seen.id), "WHATWG HTML §9.2.4",
			"give every event, replayed or not, the id it was first sent with, one that no other event has")
	}
	return nil
}

// replayHint is the hint of a replay that did not come.
func replayHint(err error) string {
	if !errors.Is(err, errTimeout) {
		return ""
	}
	return "keep the last events; on a request with Last-Event-ID, send first those after that id, then the new ones as they come"
}

// unknownLastEventID reconnects with an id the server never gave out, as
// a client does after the server restarted: the card sends a missed event
// first (advised), and the stream goes on with new events (required).
func (t *T) unknownLastEventID(api *conn) error {
	bogus := "not-an-id-" + t.randomWord()
	s, err := t.openEvents("Last-Event-ID: " + bogus)
	if err != nil {
		return annotate(err, "the request had Last-Event-ID: "+bogus+", an id this server never gave out", "")
	}
	defer s.c.Close()
	name := t.randomWord()
	u, err := t.createUser(api, name)
	if err != nil {
		return err
	}
	ev, err := t.nextEvent(s, "the user just created")
	if err != nil {
		return annotate(err, "the stream was opened with Last-Event-ID: "+bogus+", an id this server never gave out", "")
	}
	if ev.typ == "missed" {
		_, err = t.expectEvent(s, "the user just created", "user.created", map[string]any{"id": u.ID, "name": name})
		return err
	}
	if err := t.advise(warning{Summary: fmt.Sprintf("a stream opened with Last-Event-ID: %s, an id the server never gave out, began with %q, not the card's missed event", bogus, ev.typ), Section: sectionEvents,
		Why: "the client cannot be given what it missed, and should hear so, to reload /users; the standard leaves it to the server"}); err != nil {
		return err
	}
	if ev.typ != "user.created" {
		return s.fail(fmt.Sprintf("the event for the user just created has type %q; the card's is \"user.created\"", ev.typ), sectionEvents,
			"after a Last-Event-ID the server does not know, go on with the events from now on")
	}
	return nil
}

func eventsGzip(t *T) error {
	s, api, err := t.openWithAPI("Accept-Encoding: gzip")
	if err != nil {
		return err
	}
	defer s.c.Close()
	defer api.Close()
	if ce := s.head.get("Content-Encoding"); !s.gzipped && ce != "" && !strings.EqualFold(ce, "identity") {
		return t.adviseAbout(s.req, s.head, warning{Summary: fmt.Sprintf("the event stream came with Content-Encoding: %s, which the request did not offer (it said Accept-Encoding: gzip), so the tester cannot read it", ce), Section: "RFC 9110 §12.5.3",
			Why: "a server should send a coding the client accepts, or none"})
	}
	if !s.gzipped {
		return t.adviseAbout(s.req, s.head, warning{Summary: "the event stream came uncompressed, though the request said Accept-Encoding: gzip", Section: sectionEvents,
			Why: "sending it as it is is always allowed; the card compresses streams too, flushed per event"})
	}
	if !hasToken(s.head.header("Vary"), "Accept-Encoding") {
		if err := t.adviseAbout(s.req, s.head, noVary); err != nil {
			return err
		}
	}
	name := t.randomWord()
	t.reproduceStream(" --compressed", name)
	const detail = "the stream is compressed with gzip: each event must decompress as soon as it comes"
	u, _, err := t.createAndSee(s, api, name)
	if err != nil {
		return annotate(err, detail, gzipStreamHint(err))
	}
	renamed := t.randomWord()
	if err := t.rename(api, u.ID.String(), renamed); err != nil {
		return err
	}
	_, err = t.expectEvent(s, "the user just renamed", "user.updated", map[string]any{"id": u.ID, "name": renamed})
	return annotate(err, detail, gzipStreamHint(err))
}

// gzipStreamHint is the hint of a compressed event that did not come.
func gzipStreamHint(err error) string {
	if !errors.Is(err, errTimeout) {
		return ""
	}
	return "a compressor keeps what it is given until it is flushed: after each event, flush it (a sync flush), then the chunk it produced"
}
