package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withID builds a request for /users/:id as the router leaves it:
// the :id parameter filled in, already percent-decoded.
func withID(method, id, body string) *Request {
	req := withBody(method, "/users/"+id, "application/json", body)
	req.Params = Params{{Key: "id", Value: id}}
	return req
}

// create adds a user to s, which must have room for it.
func create(t *testing.T, s *userStore, name string) User {
	t.Helper()
	u, ok := s.Create(name)
	require.True(t, ok, "the store is full")
	return u
}

// list returns the page of s, without saying whether more follow.
func list(s *userStore, offset, limit int) []User {
	page, _ := s.List(offset, limit)
	return page
}

func TestStoreCRUD(t *testing.T) {
	s := newUserStore(10)
	assert.Equal(t, User{1, "Ada"}, create(t, s, "Ada"), "ids start at 1")
	assert.Equal(t, User{2, "Grace"}, create(t, s, "Grace"))
	assert.Equal(t, User{3, "Alan"}, create(t, s, "Alan"))

	u, ok := s.Get(2)
	assert.True(t, ok)
	assert.Equal(t, User{2, "Grace"}, u)
	_, ok = s.Get(4)
	assert.False(t, ok)

	u, ok = s.Update(2, "Grace Hopper")
	assert.True(t, ok)
	assert.Equal(t, User{2, "Grace Hopper"}, u)
	_, ok = s.Update(9, "nobody")
	assert.False(t, ok, "an update never creates")

	assert.True(t, s.Delete(2))
	assert.False(t, s.Delete(2), "already deleted")
	assert.Equal(t, User{4, "Edsger"}, create(t, s, "Edsger"), "an id is never given out twice")
	assert.Equal(t, []User{{1, "Ada"}, {3, "Alan"}, {4, "Edsger"}}, list(s, 0, 100), "in id order")
}

// TestStoreBound fills a store to its maximum: one more is refused, and
// changes nothing, until a delete makes room.
func TestStoreBound(t *testing.T) {
	s := newUserStore(3)
	for _, name := range []string{"a", "b", "c"} {
		create(t, s, name)
	}
	_, ok := s.Create("d")
	assert.False(t, ok, "a fourth user in a store of three")
	assert.Len(t, list(s, 0, 100), 3)
	assert.Equal(t, 3, s.lastID, "no id spent on a refusal")

	_, ok = s.Update(2, "renamed")
	assert.True(t, ok, "a full store still renames")
	require.True(t, s.Delete(1))
	assert.Equal(t, User{4, "d"}, create(t, s, "d"), "room again after a delete")
	_, ok = s.Create("e")
	assert.False(t, ok)

	_, ok = newUserStore(0).Create("a")
	assert.False(t, ok, "a store of 0 holds nobody")
}

func TestStoreList(t *testing.T) {
	s := newUserStore(10)
	assert.Equal(t, []User{}, list(s, 0, 100), "empty, not nil, so that it encodes as []")
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		create(t, s, name)
	}
	tests := []struct {
		offset, limit int
		want          []int
		more          bool
	}{
		{0, 100, []int{1, 2, 3, 4, 5}, false},
		{0, 2, []int{1, 2}, true},
		{1, 2, []int{2, 3}, true},
		{3, 2, []int{4, 5}, false},
		{4, 2, []int{5}, false},
		{5, 2, []int{}, false},
		{1000, 1000, []int{}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("offset=%d,limit=%d", tt.offset, tt.limit), func(t *testing.T) {
			got := []int{}
			page, more := s.List(tt.offset, tt.limit)
			for _, u := range page {
				got = append(got, u.ID)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.more, more, "more after the page")
		})
	}

	page := list(s, 0, 2)
	page[0].Name = "changed"
	u, _ := s.Get(1)
	assert.Equal(t, "a", u.Name, "List returns a copy")
}

// TestStoreConcurrent creates, reads, renames and deletes from many
// goroutines at once, as many connections would. Run it with -race: a
// missing lock shows up as a data race even when no id collides.
func TestStoreConcurrent(t *testing.T) {
	const workers, each = 8, 200
	s := newUserStore(workers * each)
	ids := make([][]int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				u, ok := s.Create(fmt.Sprintf("user %d-%d", w, i))
				if !ok {
					t.Errorf("the store of %d is full", workers*each)
					return
				}
				ids[w] = append(ids[w], u.ID)
				s.Get(u.ID)
				s.List(i, 10)
				if i%2 == 1 {
					s.Update(u.ID, "renamed")
					s.Delete(ids[w][i-1])
				}
			}
		}()
	}
	wg.Wait()

	seen := map[int]bool{}
	for _, ws := range ids {
		for _, id := range ws {
			require.False(t, seen[id], "id %d given out twice", id)
			seen[id] = true
		}
	}
	all := list(s, 0, workers*each)
	assert.Len(t, all, workers*each/2, "every odd creation survives, every even one was deleted")
	for i := 1; i < len(all); i++ {
		require.Less(t, all[i-1].ID, all[i].ID, "in id order")
	}
	assert.Equal(t, workers*each, s.lastID)
}

// span returns the ids from lo to hi.
func span(lo, hi int) []int {
	ids := []int{}
	for id := lo; id <= hi; id++ {
		ids = append(ids, id)
	}
	return ids
}

// TestListQuery checks GET /users with every kind of query, on a store of
// 205 users: more than a page, so that a limit over maxPage shows, and
// the Link to the next page on every page that has one.
func TestListQuery(t *testing.T) {
	s := newUserStore(1000)
	for i := 0; i < 205; i++ {
		create(t, s, fmt.Sprint("user ", i+1))
	}
	const from1 = "an integer from 1 up"
	tests := []struct {
		query  string
		status int
		ids    []int  // for 200
		next   string // the Link for 200, "" for none
		msg    string // for 400
	}{
		{"", 200, span(1, 100), "/users?limit=100&offset=100", ""},
		{"limit=2", 200, span(1, 2), "/users?limit=2&offset=2", ""},
		{"limit=2&offset=1", 200, span(2, 3), "/users?limit=2&offset=3", ""},
		{"offset=200", 200, span(201, 205), "", ""},
		{"offset=203&limit=2", 200, span(204, 205), "", "the last page has no next"},
		{"offset=1000", 200, []int{}, "", ""},
		{"limit=100", 200, span(1, 100), "/users?limit=100&offset=100", ""},
		{"limit=101", 200, span(1, 100), "/users?limit=100&offset=100", ""},
		{"limit=1000", 200, span(1, 100), "/users?limit=100&offset=100", ""},
		{"limit=1000&offset=150", 200, span(151, 205), "", ""},
		{"limit=99999999999999999999", 400, nil, "", `query parameter limit must be ` + from1 + `, got "99999999999999999999"`},
		{"limit=002", 200, span(1, 2), "/users?limit=2&offset=2", ""},
		{"offset=0&limit=3", 200, span(1, 3), "/users?limit=3&offset=3", ""},
		{"other=x&limit=1", 200, span(1, 1), "/users?limit=1&offset=1", ""},
		{"limit=%32", 200, span(1, 2), "/users?limit=2&offset=2", ""}, // percent-decoded: "2"

		{"limit=abc", 400, nil, "", `query parameter limit must be ` + from1 + `, got "abc"`},
		{"limit=-1", 400, nil, "", `query parameter limit must be ` + from1 + `, got "-1"`},
		{"limit=0", 400, nil, "", `query parameter limit must be ` + from1 + `, got "0"`},
		{"limit=1.5", 400, nil, "", `query parameter limit must be ` + from1 + `, got "1.5"`},
		{"limit=", 400, nil, "", `query parameter limit must be ` + from1 + `, got ""`},
		{"limit=%2B5", 400, nil, "", `query parameter limit must be ` + from1 + `, got "+5"`},
		{"limit=+5", 400, nil, "", `query parameter limit must be ` + from1 + `, got " 5"`}, // + is a space in a query
		{"limit=%205", 400, nil, "", `query parameter limit must be ` + from1 + `, got " 5"`},
		{"offset=-5", 400, nil, "", `query parameter offset must be an integer from 0 up, got "-5"`},
		{"offset=1.5", 400, nil, "", `query parameter offset must be an integer from 0 up, got "1.5"`},
		{"offset=-0", 400, nil, "", `query parameter offset must be an integer from 0 up, got "-0"`},
		{"offset=99999999999999999999", 400, nil, "", `query parameter offset must be an integer from 0 up, got "99999999999999999999"`},
		{"limit=1&limit=2", 400, nil, "", "query parameter limit is given 2 times; give it once, as " + from1},
		{"limit=%zz", 400, nil, "", `invalid query string: invalid URL escape "%zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			req := request("GET", "/users?"+tt.query)
			req.RawQuery = tt.query
			resp := s.list(req)
			require.Equal(t, tt.status, resp.Status)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			if tt.status != 200 {
				assert.JSONEq(t, fmt.Sprintf(`{"error": %q}`, tt.msg), string(resp.Body))
				return
			}
			var page []User
			require.NoError(t, json.Unmarshal(resp.Body, &page))
			got := []int{}
			for _, u := range page {
				got = append(got, u.ID)
			}
			assert.Equal(t, tt.ids, got)
			want := ""
			if tt.next != "" {
				want = "<" + tt.next + `>; rel="next"`
			}
			assert.Equal(t, want, resp.Header.Get("Link"))
		})
	}
}

// TestPageBound fills a store with the longest names that JSON escapes the
// most, and asks for everything: the answer is one page, and its size has
// a bound that does not grow with the store or the limit asked for.
func TestPageBound(t *testing.T) {
	s := newUserStore(defaultMaxUsers)
	worst := strings.Repeat("<", maxNameBytes) // each < is \u003c, six bytes
	for i := 0; i < 3*maxPage; i++ {
		create(t, s, worst)
	}
	req := request("GET", "/users?limit=1000000")
	req.RawQuery = "limit=1000000"
	resp := s.list(req)
	require.Equal(t, 200, resp.Status)
	var page []User
	require.NoError(t, json.Unmarshal(resp.Body, &page))
	assert.Len(t, page, maxPage)
	perUser := len(`{"id":10000,"name":""},`) + 6*maxNameBytes
	assert.LessOrEqual(t, len(resp.Body), maxPage*perUser+2, "a page of at most %d users of at most %d bytes each", maxPage, perUser)
}

// TestUserHandlers walks the resource through its life, calling the
// handlers as the router would, and checks each response as a client sees
// it: status, headers and JSON body.
func TestUserHandlers(t *testing.T) {
	s := newUserStore(3)
	create(t, s, "Ada")
	tests := []struct {
		name     string
		handler  Handler
		req      *Request
		status   int
		location string
		body     string // JSON, compared by meaning; "" for no body
	}{
		{"create", s.create, withBody("POST", "/users", "application/json", `{"name": "Grace"}`), 201, "/users/2", `{"id": 2, "name": "Grace"}`},
		{"create with a bad body", s.create, withBody("POST", "/users", "application/json", `{"name": 42}`), 400, "", `{"error": "field \"name\" must be a string, not a number (at byte 11)"}`},
		{"create as text", s.create, withBody("POST", "/users", "text/plain", `{"name": "x"}`), 415, "", `{"error": "Content-Type must be application/json, got text/plain"}`},
		{"get", JSON(s.get), withID("GET", "2", ""), 200, "", `{"id": 2, "name": "Grace"}`},
		{"get a missing user", JSON(s.get), withID("GET", "42", ""), 404, "", `{"error": "user 42 not found"}`},
		{"get a non-integer id", JSON(s.get), withID("GET", "abc", ""), 404, "", `{"error": "user \"abc\" not found"}`},
		{"get a non-canonical id", JSON(s.get), withID("GET", "002", ""), 404, "", `{"error": "user \"002\" not found"}`},
		{"get id 0", JSON(s.get), withID("GET", "0", ""), 404, "", `{"error": "user \"0\" not found"}`},
		{"update", JSON(s.update), withID("PUT", "2", `{"name": "Grace Hopper"}`), 200, "", `{"id": 2, "name": "Grace Hopper"}`},
		{"update a missing user", JSON(s.update), withID("PUT", "42", `{"name": "x"}`), 404, "", `{"error": "user 42 not found"}`},
		{"update with an unknown field", JSON(s.update), withID("PUT", "2", `{"name": "x", "admin": true}`), 400, "", `{"error": "unknown field \"admin\""}`},
		{"update with no name", JSON(s.update), withID("PUT", "2", `{}`), 400, "", `{"error": "field \"name\" is required and must not be blank"}`},
		{"create with a key in another case", s.create, withBody("POST", "/users", "application/json", `{"Name": "x"}`), 400, "", `{"error": "unknown field \"Name\"; keys are case-sensitive: did you mean \"name\"?"}`},
		{"create with a key twice", s.create, withBody("POST", "/users", "application/json", `{"name":"a","name":"b"}`), 400, "", `{"error": "field \"name\" is given twice (at byte 12); give it once"}`},
		{"list", s.list, request("GET", "/users"), 200, "", `[{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace Hopper"}]`},
		{"delete", JSON(s.remove), withID("DELETE", "1", ""), 204, "", ""},
		{"delete again", JSON(s.remove), withID("DELETE", "1", ""), 404, "", `{"error": "user 1 not found"}`},
		{"get the deleted user", JSON(s.get), withID("GET", "1", ""), 404, "", `{"error": "user 1 not found"}`},
		{"list after the delete", s.list, request("GET", "/users"), 200, "", `[{"id": 2, "name": "Grace Hopper"}]`},
		{"create a second", s.create, withBody("POST", "/users", "application/json", `{"name": "Edsger"}`), 201, "/users/3", `{"id": 3, "name": "Edsger"}`},
		{"create a third", s.create, withBody("POST", "/users", "application/json", `{"name": "Alan"}`), 201, "/users/4", `{"id": 4, "name": "Alan"}`},
		{"create in a full store", s.create, withBody("POST", "/users", "application/json", `{"name": "Barbara"}`), 507, "", `{"error": "the store is full: it holds 3 users, its most; delete one to make room"}`},
		{"a bad body in a full store is still a 400", s.create, withBody("POST", "/users", "application/json", `{}`), 400, "", `{"error": "field \"name\" is required and must not be blank"}`},
		{"rename in a full store", JSON(s.update), withID("PUT", "3", `{"name": "Edsger Dijkstra"}`), 200, "", `{"id": 3, "name": "Edsger Dijkstra"}`},
		{"delete to make room", JSON(s.remove), withID("DELETE", "2", ""), 204, "", ""},
		{"create after making room", s.create, withBody("POST", "/users", "application/json", `{"name": "Barbara"}`), 201, "/users/5", `{"id": 5, "name": "Barbara"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.handler(tt.req)
			assert.Equal(t, tt.status, resp.Status)
			assert.NotEmpty(t, StatusText(resp.Status), "a reason phrase for %d", resp.Status)
			assert.Equal(t, tt.location, resp.Header.Get("Location"))
			if tt.body == "" {
				assert.Empty(t, resp.Body)
				assert.Empty(t, resp.Header.Get("Content-Type"))
				return
			}
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.body, string(resp.Body))
		})
	}
}

// TestUserRoutes checks the registration lines: each method and pattern
// is in the route table.
func TestUserRoutes(t *testing.T) {
	var routes bytes.Buffer
	require.NoError(t, app.WriteRoutes(&routes))
	for _, route := range []string{"GET /users", "POST /users", "GET /users/:id", "PUT /users/:id", "DELETE /users/:id"} {
		method, pattern, _ := strings.Cut(route, " ")
		assert.Regexp(t, `(?m)^\s*`+method+`\s+`+regexp.QuoteMeta(pattern)+`\s`, routes.String())
	}
}
