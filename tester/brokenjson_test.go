package main

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// naiveJSON is stage 5 done the quick way: a users map, JSON by hand where
// that is shorter, gzip when asked. Each field but on breaks one thing.
type naiveJSON struct {
	on            bool
	noLocation    bool // 201 without Location
	anyType       bool // accepts any Content-Type
	unknownFields bool // accepts fields it does not know
	readsAll      bool // reads a whole oversized body before refusing it
	gzipPlainLen  bool // Content-Length of the uncompressed body
	zlibNotGzip   bool // compresses with zlib (the deflate coding) but says gzip
	gzipIgnoresQ  bool // treats gzip;q=0 as gzip
	noVary        bool // gzip without Vary
	ignoresQuery  bool // ?limit= and ?offset= ignored
	racyIDs       bool // reads the next id, pauses, then stores it
	textErrors    bool // 404 and 405 as plain text
}

// naiveStore is the broken servers' users resource.
var naiveStore = struct {
	sync.Mutex
	next  int
	users []user
}{next: 1}

// jsonRoute answers stage 5's routes; ok is false for any other path.
func (s naiveHTTP) jsonRoute(req naiveRequest) (status, ctype, body string, ok bool) {
	path, query, _ := strings.Cut(req.target, "?")
	errJSON := func(status, msg string) (string, string, string, bool) {
		b, _ := json.Marshal(map[string]string{"error": msg})
		return status, "application/json", string(b), true
	}
	switch {
	case path == "/users" && req.method == "GET":
		limit, offset := 100, 0
		if !s.json.ignoresQuery {
			for _, kv := range strings.Split(query, "&") {
				k, v, _ := strings.Cut(kv, "=")
				n, err := strconv.Atoi(v)
				switch {
				case k != "limit" && k != "offset":
					continue
				case err != nil || n < 0:
					return errJSON("400 Bad Request", k+" must be a non-negative integer")
				case k == "limit":
					limit = n
				default:
					offset = n
				}
			}
		}
		naiveStore.Lock()
		list := append([]user{}, naiveStore.users...)
		naiveStore.Unlock()
		list = list[min(offset, len(list)):]
		list = list[:min(limit, len(list))]
		b, _ := json.Marshal(list)
		return "200 OK", "application/json", string(b), true
	case path == "/users" && req.method == "POST":
		if !s.json.anyType && req.headers["content-type"] != "application/json" {
			return errJSON("415 Unsupported Media Type", "send application/json")
		}
		var in struct {
			Name string `json:"name"`
		}
		dec := json.NewDecoder(strings.NewReader(req.body))
		if !s.json.unknownFields {
			dec.DisallowUnknownFields()
		}
		if err := dec.Decode(&in); err != nil {
			return errJSON("400 Bad Request", err.Error())
		}
		naiveStore.Lock()
		id := naiveStore.next
		if s.json.racyIDs {
			naiveStore.Unlock()
			time.Sleep(2 * time.Millisecond)
			naiveStore.Lock()
		}
		naiveStore.next = id + 1
		u := user{ID: json.Number(strconv.Itoa(id)), Name: in.Name}
		naiveStore.users = append(naiveStore.users, u)
		s.sse.publish("user.created", u)
		naiveStore.Unlock()
		b, _ := json.Marshal(u)
		return "201 Created", "application/json", string(b), true
	case strings.HasPrefix(path, "/users/"):
		id := strings.TrimPrefix(path, "/users/")
		naiveStore.Lock()
		defer naiveStore.Unlock()
		for i, u := range naiveStore.users {
			if u.ID.String() != id {
				continue
			}
			switch req.method {
			case "GET":
				b, _ := json.Marshal(u)
				return "200 OK", "application/json", string(b), true
			case "PUT":
				var in struct{ Name string }
				json.Unmarshal([]byte(req.body), &in)
				naiveStore.users[i].Name = in.Name
				s.sse.publish("user.updated", naiveStore.users[i])
				b, _ := json.Marshal(naiveStore.users[i])
				return "200 OK", "application/json", string(b), true
			case "DELETE":
				naiveStore.users = append(naiveStore.users[:i], naiveStore.users[i+1:]...)
				s.sse.publish("user.deleted", map[string]json.Number{"id": u.ID})
				return "204 No Content", "", "", true
			}
		}
		return errJSON("404 Not Found", "user "+id+" not found")
	case path == "/users":
		return errJSON("405 Method Not Allowed", "use GET or POST")
	}
	if s.json.textErrors {
		return "", "", "", false
	}
	if path != "/" && !strings.HasPrefix(path, "/echo/") && path != "/user-agent" && !strings.HasPrefix(path, "/files/") {
		return errJSON("404 Not Found", "no route for "+path)
	}
	return "", "", "", false
}

// acceptsGzip reads Accept-Encoding as a list of codings with q-values.
func (s naiveHTTP) acceptsGzip(req naiveRequest) bool {
	for _, part := range strings.Split(req.headers["accept-encoding"], ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		return s.json.gzipIgnoresQ || strings.ReplaceAll(params, " ", "") != "q=0"
	}
	return false
}

// gzipped compresses body for a response, with zlib's format if asked,
// the mistake of reaching for compress/zlib.
func gzipped(body string, zlibFormat bool) string {
	var b bytes.Buffer
	var zw io.WriteCloser = gzip.NewWriter(&b)
	if zlibFormat {
		zw = zlib.NewWriter(&b)
	}
	zw.Write([]byte(body))
	zw.Close()
	return b.String()
}
