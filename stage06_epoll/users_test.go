package main

import (
	"bytes"
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

func TestStoreCRUD(t *testing.T) {
	var s userStore
	assert.Equal(t, User{1, "Ada"}, s.Create("Ada"), "ids start at 1")
	assert.Equal(t, User{2, "Grace"}, s.Create("Grace"))
	assert.Equal(t, User{3, "Alan"}, s.Create("Alan"))

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
	assert.Equal(t, User{4, "Edsger"}, s.Create("Edsger"), "an id is never given out twice")
	assert.Equal(t, []User{{1, "Ada"}, {3, "Alan"}, {4, "Edsger"}}, s.List(0, 100), "in id order")
}

func TestStoreList(t *testing.T) {
	var s userStore
	assert.Equal(t, []User{}, s.List(0, 100), "empty, not nil, so that it encodes as []")
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		s.Create(name)
	}
	tests := []struct {
		offset, limit int
		want          []int
	}{
		{0, 100, []int{1, 2, 3, 4, 5}},
		{0, 2, []int{1, 2}},
		{1, 2, []int{2, 3}},
		{4, 2, []int{5}},
		{5, 2, []int{}},
		{1000, 1000, []int{}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("offset=%d,limit=%d", tt.offset, tt.limit), func(t *testing.T) {
			got := []int{}
			for _, u := range s.List(tt.offset, tt.limit) {
				got = append(got, u.ID)
			}
			assert.Equal(t, tt.want, got)
		})
	}

	page := s.List(0, 2)
	page[0].Name = "changed"
	u, _ := s.Get(1)
	assert.Equal(t, "a", u.Name, "List returns a copy")
}

// TestStoreConcurrent creates, reads, renames and deletes from many
// goroutines at once, as many connections would. Run it with -race: a
// missing lock shows up as a data race even when no id collides.
func TestStoreConcurrent(t *testing.T) {
	var s userStore
	const workers, each = 8, 200
	ids := make([][]int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				u := s.Create(fmt.Sprintf("user %d-%d", w, i))
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
	all := s.List(0, workers*each)
	assert.Len(t, all, workers*each/2, "every odd creation survives, every even one was deleted")
	for i := 1; i < len(all); i++ {
		require.Less(t, all[i-1].ID, all[i].ID, "in id order")
	}
	assert.Equal(t, workers*each, s.lastID)
}

func TestListQuery(t *testing.T) {
	s := &userStore{}
	for i := 0; i < 5; i++ {
		s.Create(fmt.Sprint("user ", i+1))
	}
	tests := []struct {
		query  string
		status int
		ids    []int  // for 200
		msg    string // for 400
	}{
		{"", 200, []int{1, 2, 3, 4, 5}, ""},
		{"limit=2", 200, []int{1, 2}, ""},
		{"limit=2&offset=1", 200, []int{2, 3}, ""},
		{"offset=3", 200, []int{4, 5}, ""},
		{"offset=10", 200, []int{}, ""},
		{"limit=1000", 200, []int{1, 2, 3, 4, 5}, ""},
		{"limit=002", 200, []int{1, 2}, ""},
		{"offset=0", 200, []int{1, 2, 3, 4, 5}, ""},
		{"other=x", 200, []int{1, 2, 3, 4, 5}, ""},
		{"limit=%32", 200, []int{1, 2}, ""}, // percent-decoded: "2"

		{"limit=abc", 400, nil, `query parameter limit must be an integer from 1 to 1000, got "abc"`},
		{"limit=-1", 400, nil, `query parameter limit must be an integer from 1 to 1000, got "-1"`},
		{"limit=0", 400, nil, `query parameter limit must be an integer from 1 to 1000, got "0"`},
		{"limit=1001", 400, nil, `query parameter limit must be an integer from 1 to 1000, got "1001"`},
		{"limit=1.5", 400, nil, `query parameter limit must be an integer from 1 to 1000, got "1.5"`},
		{"limit=", 400, nil, `query parameter limit must be an integer from 1 to 1000, got ""`},
		{"limit=%2B5", 400, nil, `query parameter limit must be an integer from 1 to 1000, got "+5"`},
		{"limit=+5", 400, nil, `query parameter limit must be an integer from 1 to 1000, got " 5"`}, // + is a space in a query
		{"limit=%205", 400, nil, `query parameter limit must be an integer from 1 to 1000, got " 5"`},
		{"offset=-5", 400, nil, `query parameter offset must be an integer from 0 up, got "-5"`},
		{"offset=1.5", 400, nil, `query parameter offset must be an integer from 0 up, got "1.5"`},
		{"offset=-0", 400, nil, `query parameter offset must be an integer from 0 up, got "-0"`},
		{"offset=99999999999999999999", 400, nil, `query parameter offset must be an integer from 0 up, got "99999999999999999999"`},
		{"limit=1&limit=2", 400, nil, "query parameter limit is given 2 times; give it once, as an integer from 1 to 1000"},
		{"limit=%zz", 400, nil, `invalid query string: invalid URL escape "%zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			req := request("GET", "/users?"+tt.query)
			req.RawQuery = tt.query
			status, v := s.list(req)
			require.Equal(t, tt.status, status)
			if tt.status != 200 {
				assert.Equal(t, &APIError{400, tt.msg}, v)
				return
			}
			got := []int{}
			for _, u := range v.([]User) {
				got = append(got, u.ID)
			}
			assert.Equal(t, tt.ids, got)
		})
	}
}

// TestUserHandlers walks the resource through its life, calling the
// handlers as the router would, and checks each response as a client sees
// it: status, headers and JSON body.
func TestUserHandlers(t *testing.T) {
	s := &userStore{}
	s.Create("Ada")
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
		{"list", JSON(s.list), request("GET", "/users"), 200, "", `[{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace Hopper"}]`},
		{"delete", JSON(s.remove), withID("DELETE", "1", ""), 204, "", ""},
		{"delete again", JSON(s.remove), withID("DELETE", "1", ""), 404, "", `{"error": "user 1 not found"}`},
		{"get the deleted user", JSON(s.get), withID("GET", "1", ""), 404, "", `{"error": "user 1 not found"}`},
		{"list after the delete", JSON(s.list), request("GET", "/users"), 200, "", `[{"id": 2, "name": "Grace Hopper"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.handler(tt.req)
			assert.Equal(t, tt.status, resp.Status)
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
