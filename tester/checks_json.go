package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Where a failed stage-5 check sends the learner.
const (
	readJSON = "stages/05-json.md#tests and docs/05-json.md"
	readGzip = "stages/05-json.md#tests and docs/05-json.md#gzip-and-vary"
)

func init() {
	register(
		check{stage: 5, slug: "json-crud", name: "the users resource: create, read, update, delete, as JSON", read: readJSON, run: jsonCRUD},
		check{stage: 5, slug: "json-errors", name: "bad bodies get 400, 415 and 413, with a JSON error", read: readJSON, run: jsonErrors},
		check{stage: 5, slug: "json-not-found", name: "404 and 405 answers are JSON too", read: readJSON, run: jsonNotFound},
		check{stage: 5, slug: "query-params", name: "GET /users honours ?limit= and ?offset=, and rejects bad values", read: readJSON, run: queryParams},
		check{stage: 5, slug: "gzip", name: "Accept-Encoding: gzip gets a gzip body with the compressed Content-Length", read: readGzip, run: gzipEcho},
		check{stage: 5, slug: "concurrent-posts", name: "concurrent POSTs from several connections: none lost, ids unique", read: readJSON, run: concurrentPosts},
	)
}

// user is the resource of stage 5, as the tester decodes it.
type user struct {
	ID   json.Number `json:"id"`
	Name string      `json:"name"`
}

// jsonHeaders are the headers of a request with a JSON body.
var jsonHeaders = []string{"Content-Type: application/json"}

// expectJSON checks a response's media type and decodes its body into v.
func expectJSON(resp *response, req []byte, v any) error {
	if ct := resp.get("Content-Type"); !headerValueMatches("Content-Type", "application/json", ct) {
		return &failure{Summary: fmt.Sprintf("expected Content-Type: application/json, got %q", ct), Sent: req, Got: resp.raw}
	}
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &failure{Summary: "the body is not the JSON expected: " + err.Error(), Sent: req, Got: resp.raw}
	}
	return nil
}

// expectJSONError requires a JSON body of the shape {"error": "..."}.
func expectJSONError(resp *response, req []byte) error {
	var e map[string]any
	if err := expectJSON(resp, req, &e); err != nil {
		return err
	}
	if msg, ok := e["error"].(string); !ok || msg == "" {
		return &failure{Summary: `expected an error body of the shape {"error": "what went wrong"}`, Sent: req, Got: resp.raw}
	}
	return nil
}

// call sends one request on c and checks status and, if v is not nil,
// decodes a JSON body into it.
func (t *T) call(c *conn, method, target string, body []byte, code int, v any) (*response, error) {
	var h []string
	if body != nil {
		h = jsonHeaders
	}
	req := request(method, target, h, body)
	t.reproduce("%s", t.curl(method, target, h, body))
	resp, err := t.exchange(c, req, want{code: code})
	if err != nil || v == nil {
		return resp, err
	}
	return resp, expectJSON(resp, req, v)
}

// createUser posts a user and checks the 201, the Location and the body.
func (t *T) createUser(c *conn, name string) (user, error) {
	body, _ := json.Marshal(map[string]string{"name": name})
	var u user
	resp, err := t.call(c, "POST", "/users", body, 201, &u)
	if err != nil {
		return u, err
	}
	if u.Name != name || u.ID == "" {
		return u, &failure{Summary: fmt.Sprintf(`expected the created user {"id": ..., "name": %q}, got %s`, name, quote(resp.body)), Got: resp.raw}
	}
	if loc := resp.get("Location"); loc != "/users/"+u.ID.String() {
		return u, &failure{Summary: fmt.Sprintf("expected Location: /users/%s, the new user's address, got %q", u.ID, loc), Got: resp.raw,
			Hint: "201 Created names the new resource in a Location header (RFC 9110 §15.3.2)"}
	}
	return u, nil
}

func jsonCRUD(t *T) error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	name := t.randomWord() + " " + t.randomWord()
	u, err := t.createUser(c, name)
	if err != nil {
		return err
	}
	path := "/users/" + u.ID.String()

	var got user
	if _, err := t.call(c, "GET", path, nil, 200, &got); err != nil {
		return err
	}
	if got != u {
		return &failure{Summary: fmt.Sprintf("GET %s answered %+v, but the POST created %+v", path, got, u)}
	}

	renamed := t.randomWord()
	body, _ := json.Marshal(map[string]string{"name": renamed})
	if _, err := t.call(c, "PUT", path, body, 200, &got); err != nil {
		return err
	}
	if got.Name != renamed || got.ID != u.ID {
		return &failure{Summary: fmt.Sprintf(`PUT %s should answer the updated user {"id": %s, "name": %q}, got %+v`, path, u.ID, renamed, got)}
	}

	if _, err := t.call(c, "DELETE", path, nil, 204, nil); err != nil {
		return err
	}
	req := request("GET", path, nil, nil)
	t.reproduce("%s", t.curl("GET", path, nil, nil))
	resp, err := t.exchange(c, req, want{code: 404})
	if err != nil {
		f := asFailure(err)
		f.Detail = "the user was deleted just before"
		return f
	}
	return expectJSONError(resp, req)
}

func jsonErrors(t *T) error {
	cases := []struct {
		what    string
		headers []string
		body    []byte
		code    int
	}{
		{"a body sent as text/plain", []string{"Content-Type: text/plain"}, []byte(`{"name": "x"}`), 415},
		{"invalid JSON", jsonHeaders, []byte(`{"name": "` + t.randomWord()), 400},
		{"an unknown field", jsonHeaders, []byte(`{"name": "x", "admin": true}`), 400},
		{"a name that is not a string", jsonHeaders, []byte(`{"name": 42}`), 400},
	}
	for _, tc := range cases {
		req := request("POST", "/users", tc.headers, tc.body)
		t.reproduce("%s", t.curl("POST", "/users", tc.headers, tc.body))
		resp, err := t.roundTrip(req, want{code: tc.code})
		if err == nil {
			err = expectJSONError(resp, req)
		}
		if err != nil {
			f := asFailure(err)
			f.Detail = "the POST /users carried " + tc.what
			return f
		}
	}

	// Too large: announce 2 MiB, send a little, and expect 413 at once, which
	// proves the server does not read the whole body before refusing it.
	const announced = 2 << 20
	head := []byte(fmt.Sprintf("POST /users HTTP/1.1\r\nHost: localhost:%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", codecraftersPort, announced))
	t.reproduce("head -c %d /dev/zero | curl -i -H 'Content-Type: application/json' --data-binary @- http://localhost:%s/users", announced, codecraftersPort)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send(append(head, bytes.Repeat([]byte(" "), 64*1024)...)); err != nil {
		return err
	}
	resp, err := t.expectResponse(c, head, want{code: 413, more: true})
	if err == nil {
		err = expectJSONError(resp, head)
	}
	if err != nil {
		f := asFailure(err)
		f.Detail = fmt.Sprintf("the request announced a %d-byte body and sent 64 KiB of it; the limit is 1 MiB", announced)
		f.Hint = "check Content-Length before reading the body, and answer 413 without reading it all into memory"
		return f
	}
	return nil
}

func jsonNotFound(t *T) error {
	for _, probe := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/" + t.randomWord(), 404},
		{"GET", "/users/" + strconv.Itoa(900000000+t.rng.Intn(99999999)), 404},
		{"PATCH", "/users", 405},
	} {
		req := request(probe.method, probe.path, nil, nil)
		t.reproduce("%s", t.curl(probe.method, probe.path, nil, nil))
		resp, err := t.roundTrip(req, want{code: probe.code})
		if err == nil {
			err = expectJSONError(resp, req)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func queryParams(t *T) error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		if _, err := t.createUser(c, t.randomWord()); err != nil {
			return err
		}
	}
	var all []user
	if _, err := t.call(c, "GET", "/users", nil, 200, &all); err != nil {
		return err
	}
	if len(all) < 3 {
		return &failure{Summary: fmt.Sprintf("GET /users listed %d users just after 3 were created", len(all))}
	}
	var page []user
	if _, err := t.call(c, "GET", "/users?limit=2&offset=1", nil, 200, &page); err != nil {
		return err
	}
	if len(page) != 2 || page[0] != all[1] || page[1] != all[2] {
		return &failure{Summary: fmt.Sprintf("GET /users?limit=2&offset=1 should list the 2nd and 3rd users of GET /users, %+v, got %+v", all[1:3], page)}
	}
	for _, bad := range []string{"limit=abc", "limit=-1", "offset=-5", "offset=1.5"} {
		target := "/users?" + bad
		req := request("GET", target, nil, nil)
		t.reproduce("%s", t.curl("GET", target, nil, nil))
		resp, err := t.exchange(c, req, want{code: 400})
		if err == nil {
			err = expectJSONError(resp, req)
		}
		if err != nil {
			f := asFailure(err)
			f.Detail = "the query string " + bad + " is not a valid non-negative integer"
			return f
		}
	}
	return nil
}

func gzipEcho(t *T) error {
	word := strings.Repeat(t.randomWord(), 3)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for _, ae := range []string{"gzip", "encoding-1, gzip, encoding-2", "deflate, GZIP;q=0.5"} {
		h := []string{"Accept-Encoding: " + ae}
		req := request("GET", "/echo/"+word, h, nil)
		t.reproduce("%s", t.curl("GET", "/echo/"+word, h, nil)+" --output - | gunzip")
		resp, err := t.exchange(c, req, want{code: 200, headers: map[string]string{"Content-Encoding": "gzip", "Content-Type": "text/plain"}})
		if err != nil {
			f := asFailure(err)
			f.Detail = "the request said Accept-Encoding: " + ae
			return f
		}
		if !strings.Contains(strings.ToLower(strings.Join(resp.header("Vary"), ",")), "accept-encoding") {
			return &failure{Summary: "expected Vary: Accept-Encoding, since the body depends on that header", Sent: req, Got: resp.raw,
				Hint: "caches must know that a gzip and a plain response live at the same URL"}
		}
		zr, err := gzip.NewReader(bytes.NewReader(resp.body))
		var plain []byte
		if err == nil {
			plain, err = io.ReadAll(zr)
		}
		if err != nil {
			return &failure{Summary: "the body does not gunzip: " + err.Error(), Sent: req, Got: resp.raw,
				Hint: "Content-Length must be the length of the compressed bytes, which are the body"}
		}
		if string(plain) != word {
			return &failure{Summary: fmt.Sprintf("the body gunzips to %s, expected %s", quote(plain), quote([]byte(word))), Sent: req, Got: resp.raw}
		}
	}
	for _, ae := range []string{"encoding-1, encoding-2", "gzip;q=0", ""} {
		var h []string
		if ae != "" {
			h = []string{"Accept-Encoding: " + ae}
		}
		req := request("GET", "/echo/"+word, h, nil)
		t.reproduce("%s", t.curl("GET", "/echo/"+word, h, nil))
		w := textBody(word)
		w.headers["Content-Encoding"] = ""
		if _, err := t.exchange(c, req, w); err != nil {
			f := asFailure(err)
			f.Detail = fmt.Sprintf("the request said Accept-Encoding: %q, which does not accept gzip", ae)
			return f
		}
	}
	return nil
}

func concurrentPosts(t *T) error {
	const conns, each = 8, 5
	names := make([][]string, conns)
	for i := range names {
		for j := 0; j < each; j++ {
			names[i] = append(names[i], fmt.Sprintf("%s-%d-%d", t.randomWord(), i, j))
		}
	}
	t.reproduce("for i in $(seq 8); do curl -s -H 'Content-Type: application/json' --data '{\"name\":\"n'$i'\"}' http://localhost:%s/users & done; wait", codecraftersPort)
	created := make([][]user, conns)
	var mu sync.Mutex
	err := inParallel(conns, func(i int) error {
		c, err := t.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		for _, name := range names[i] {
			body, _ := json.Marshal(map[string]string{"name": name})
			req := request("POST", "/users", jsonHeaders, body)
			resp, err := t.exchange(c, req, want{code: 201})
			if err != nil {
				return err
			}
			var u user
			if err := expectJSON(resp, req, &u); err != nil {
				return err
			}
			mu.Lock()
			created[i] = append(created[i], u)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return err
	}
	byID := map[string]string{}
	for _, us := range created {
		for _, u := range us {
			if other, dup := byID[u.ID.String()]; dup {
				return &failure{Summary: fmt.Sprintf("two users created at the same time got the same id %s: %q and %q", u.ID, other, u.Name),
					Hint: "the next id and the store are shared by every connection's goroutine: guard them with a mutex"}
			}
			byID[u.ID.String()] = u.Name
		}
	}
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	var all []user
	if _, err := t.call(c, "GET", "/users?limit=1000", nil, 200, &all); err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, u := range all {
		listed[u.ID.String()+" "+u.Name] = true
	}
	for id, name := range byID {
		if !listed[id+" "+name] {
			return &failure{Summary: fmt.Sprintf("user %s (%q) was created with 201 but GET /users does not list it", id, name),
				Hint: "concurrent writes to a map or slice without a lock lose entries"}
		}
	}
	return nil
}
