package main

// The slow subscriber's check: a subscriber that reads nothing, and a
// flood of events that must still reach the others, and the API answer.

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// The slow subscriber's flood: events of about 560 bytes (a name of 256
// bytes, most of them quotes, which JSON doubles), until the reading
// subscriber has had floodBytes of them, in batches of floodBatch
// pipelined renames. floodBytes is twice what the socket buffers between
// a server and a stuck client hold on loopback (on Linux a sender gets
// about 2.7 MiB there, ten segments of 64 KiB twice over), so that a
// server that writes to the stuck client in the publishing path blocks.
const (
	floodBytes = 6 << 20
	floodBatch = 64
)

func eventsSlowSubscriber(t *T) error {
	slow, err := t.openSlowSubscriber()
	if err != nil {
		return err
	}
	defer slow.c.Close()
	fast, api, err := t.openWithAPI()
	if err != nil {
		return err
	}
	defer fast.c.Close()
	defer api.Close()
	word := t.randomWord()
	u, _, err := t.createAndSee(fast, api, word)
	if err != nil {
		return err
	}
	t.reproduceFlood(u.ID.String())
	for sent, got := 0, 0; got < floodBytes; sent += floodBatch {
		if err := t.renameBatch(api, u.ID.String(), word, sent); err != nil {
			return annotate(err, fmt.Sprintf("%d renames had been answered, %d KiB of events had reached the subscriber that reads, and one subscriber had read nothing since its head", sent, got>>10),
				"publishing an event must not wait for any subscriber: append it to each subscriber's bounded queue, and drop a subscriber whose queue is full")
		}
		for i := range floodBatch {
			name := floodName(word, sent+i)
			ev, err := t.expectEvent(fast, "a rename already answered", "user.updated", map[string]any{"id": u.ID, "name": name})
			if err != nil {
				return annotate(err, fmt.Sprintf("the subscriber that reads had had %d KiB of events; another, since its head, had read nothing", got>>10), "")
			}
			got += len(ev.raw)
		}
	}
	return nil
}

// openSlowSubscriber opens the subscriber that reads its head and then
// nothing, with a small receive buffer set before it connects, so that
// its side of the connection holds little of what the server sends.
func (t *T) openSlowSubscriber() (*stream, error) {
	c, err := t.dialWith(net.Dialer{Control: func(_, _ string, raw syscall.RawConn) error {
		return raw.Control(func(fd uintptr) { setReceiveBuffer(fd, 4<<10) })
	}})
	if err != nil {
		return nil, err
	}
	s, err := t.openEventsOn(c)
	if err != nil {
		c.Close()
	}
	return s, err
}

// floodName is the name of the k-th rename of the flood: 256 bytes, the
// card's most, of which all but the first few are quotes.
func floodName(word string, k int) string {
	prefix := fmt.Sprintf("%s %d ", word, k)
	return prefix + strings.Repeat(`"`, 256-len(prefix))
}

// renameBatch sends floodBatch renames of user id in one write, the k-th
// of them numbered from, and requires each to be answered 200.
func (t *T) renameBatch(c *conn, id, word string, from int) error {
	var batch []byte
	var reqs [][]byte
	for i := range floodBatch {
		body, _ := json.Marshal(map[string]string{"name": floodName(word, from+i)})
		req := request("PUT", "/users/"+id, jsonHeaders, body)
		reqs = append(reqs, req)
		batch = append(batch, req...)
	}
	if err := c.send(batch); err != nil {
		return err
	}
	c.sent = c.sent[:0] // the report shows one request, not the flood
	for _, req := range reqs {
		if _, err := t.expectResponse(c, req, want{code: 200, more: true}); err != nil {
			return err
		}
	}
	return nil
}

// reproduceFlood records the line that tries the flood by hand: a client
// that subscribes and reads nothing, then 8,000 renames, each answered
// before the next, and the seconds they took.
func (t *T) reproduceFlood(id string) {
	host, port := t.reproAddr()
	t.reproduce("%s", `python3 -c 'import socket as S,time;A=("`+host+`",`+port+`);C=S.create_connection;q=C(A);q.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n");c=C(A);r=b"PUT /users/`+id+` HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 267\r\n\r\n{\"name\":\"%s\"}"%(b"x"*256);t=time.time();[c.sendall(r)or c.recv(999)for i in range(8000)];print(time.time()-t)'   # seconds`)
}
