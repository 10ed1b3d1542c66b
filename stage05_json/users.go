package main

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// users is the stage's one resource, kept in memory. Its handlers are
// methods, and users.get is a func value like any other: the method bound
// to this store, which is how a handler gets at state without a global
// variable per piece of it. Tests build their own store. main sets its
// bound from -max-users.
//
// The routes that change the store are a group that shares a middleware:
// with --token-file, tokens.require answers 401 unless the request carries
// one of its bearer tokens. Reading needs none. Every change is published
// on events, which GET /events streams (events.go).
var users = &userStore{max: defaultMaxUsers, events: events}

var (
	_ = app.GET("/users", users.list)
	_ = app.GET("/users/:id", JSON(users.get))

	changes = app.Group("/users", tokens.require)
	_       = changes.POST("", users.create)
	_       = changes.Handle("PUT", "/:id", JSON(users.update))
	_       = changes.Handle("DELETE", "/:id", JSON(users.remove))
)

// User is the resource as clients see it.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// The bounds of the API. Each one caps the memory a client can make the
// server hold: a store of at most max users, each with a name of at most
// maxNameBytes, costs a few MiB at most, and a page of at most maxPage
// users a few hundred KiB to encode, however many clients ask for one.
const (
	// defaultMaxUsers is how many users the store holds unless -max-users
	// says otherwise.
	defaultMaxUsers = 10000
	// maxNameBytes is the longest name, in bytes of UTF-8: 256 is room
	// for any real name, in any script, and a little fun. Without it a
	// name could be as large as a body, 1 MiB.
	maxNameBytes = 256
	// maxPage is the most users one GET /users lists, and its default.
	maxPage = 100
)

// userStore holds the users in memory. Every connection has its own
// goroutine, so two requests can reach the store at the same moment; mu
// makes each method one indivisible step. Without it, two POSTs could read
// the same lastID and create two users with one id, or append to the
// slice together and lose one of them.
//
// Each change is published while mu is held, so that the events come in
// the order the changes were made: two renames of one user, published
// after the lock, could arrive the other way round and leave a client
// with the wrong name. Publishing never blocks (see eventHub.publish).
type userStore struct {
	mu     sync.Mutex
	max    int       // the most users the store holds; Create refuses more
	lastID int       // the id of the last user created; ids start at 1
	all    []User    // ordered by id, because ids only grow and are appended
	events *eventHub // where changes are published; nil publishes nothing
}

// userRef is the data of a user.deleted event: the id that is gone.
type userRef struct {
	ID int `json:"id"`
}

// newUserStore returns an empty store that holds at most maxUsers users
// and publishes nothing.
func newUserStore(maxUsers int) *userStore {
	return &userStore{max: maxUsers}
}

// Create adds a user with the next id and returns it, or reports false
// when the store already holds its maximum. Deleting a user makes room;
// ids are never given out twice either way.
func (s *userStore) Create(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.all) >= s.max {
		return User{}, false
	}
	s.lastID++
	u := User{ID: s.lastID, Name: name}
	s.all = append(s.all, u)
	s.events.publish("user.created", u)
	return u, true
}

// Get returns the user with this id.
func (s *userStore) Get(id int) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.find(id)
	if !ok {
		return User{}, false
	}
	return s.all[i], true
}

// Update renames the user with this id and returns it.
func (s *userStore) Update(id int, name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.find(id)
	if !ok {
		return User{}, false
	}
	s.all[i].Name = name
	s.events.publish("user.updated", s.all[i])
	return s.all[i], true
}

// Delete removes the user with this id, and reports whether there was one.
func (s *userStore) Delete(id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.find(id)
	if ok {
		s.all = slices.Delete(s.all, i, i+1)
		s.events.publish("user.deleted", userRef{ID: id})
	}
	return ok
}

// List returns at most limit users, skipping the first offset, in id
// order, and whether more users follow them. It returns a copy: the
// caller encodes it after the lock is released, while other requests may
// change the store.
func (s *userStore) List(offset, limit int) ([]User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lo := min(offset, len(s.all))
	hi := lo + min(limit, len(s.all)-lo)
	// Never nil: an empty page must encode as [], not null.
	return append([]User{}, s.all[lo:hi]...), hi < len(s.all)
}

// find returns the index of the user with this id. The slice is sorted by
// id, so a binary search finds it in O(log n). The caller holds mu.
func (s *userStore) find(id int) (int, bool) {
	return slices.BinarySearchFunc(s.all, id, func(u User, id int) int { return cmp.Compare(u.ID, id) })
}

// The handlers. Each parses and validates what the request says, calls
// one store method and returns what to send.

// list answers GET /users?limit=&offset=. A page holds at most maxPage
// users: a larger limit gets maxPage, not a 400, because a client asking
// for "all of them" with limit=1000 is common and not wrong, but neither
// may it make the server encode the whole store. So that a short page is
// never mistaken for the last one, a page with users after it says where
// the next one starts, in a Link header (RFC 8288 §3, relation "next").
// Like create, list is a plain Handler, to add that header.
func (s *userStore) list(req *Request) *Response {
	q, err := url.ParseQuery(req.RawQuery)
	if err != nil {
		return jsonResponse(errorJSON(400, "invalid query string: %v", err))
	}
	limit, apiErr := queryInt(q, "limit", maxPage, 1, math.MaxInt)
	if apiErr != nil {
		return jsonResponse(apiErr.Status, apiErr)
	}
	offset, apiErr := queryInt(q, "offset", 0, 0, math.MaxInt)
	if apiErr != nil {
		return jsonResponse(apiErr.Status, apiErr)
	}
	limit = min(limit, maxPage)
	page, more := s.List(offset, limit)
	resp := jsonResponse(200, page)
	if more {
		resp.Header.Add("Link", fmt.Sprintf(`</users?limit=%d&offset=%d>; rel="next"`, limit, offset+len(page)))
	}
	return resp
}

// create answers POST /users. It is a plain Handler, not a JSONHandler,
// because a 201 names the new resource in a Location header
// (RFC 9110 §15.3.2), and a JSONHandler returns only a status and a value:
// it builds the JSON response itself and adds the header.
//
// A full store is 507 Insufficient Storage (RFC 4918 §11.5): the server
// cannot store what the request asks it to, and that lasts only until
// users are deleted. 413 would blame the size of a body that is fine.
func (s *userStore) create(req *Request) *Response {
	in, err := decodeUser(req)
	if err != nil {
		return jsonResponse(err.Status, err)
	}
	u, ok := s.Create(in.Name)
	if !ok {
		return jsonResponse(errorJSON(507, "the store is full: it holds %d users, its most; delete one to make room", s.max))
	}
	resp := jsonResponse(201, u)
	resp.Header.Add("Location", fmt.Sprintf("/users/%d", u.ID))
	return resp
}

// get answers GET /users/:id.
func (s *userStore) get(req *Request) (int, any) {
	id, apiErr := userID(req)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	u, ok := s.Get(id)
	if !ok {
		return userNotFound(id)
	}
	return 200, u
}

// update answers PUT /users/:id. It renames, and never creates: a PUT to
// an id that does not exist is 404, since ids are the server's to choose.
func (s *userStore) update(req *Request) (int, any) {
	id, apiErr := userID(req)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	in, err := decodeUser(req)
	if err != nil {
		return err.Status, err
	}
	u, ok := s.Update(id, in.Name)
	if !ok {
		return userNotFound(id)
	}
	return 200, u
}

// remove answers DELETE /users/:id with 204 No Content: nil means no body.
func (s *userStore) remove(req *Request) (int, any) {
	id, apiErr := userID(req)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	if !s.Delete(id) {
		return userNotFound(id)
	}
	return 204, nil
}

// userInput is the body of POST and PUT. Its only field is name, so
// decodeJSON refuses any other.
type userInput struct {
	Name string `json:"name"`
}

// decodeUser decodes and validates the body of POST and PUT.
func decodeUser(req *Request) (userInput, *APIError) {
	var in userInput
	if err := decodeJSON(req, &in); err != nil {
		return in, err
	}
	if msg := nameProblem(in.Name); msg != "" {
		return in, &APIError{400, msg}
	}
	return in, nil
}

// nameProblem says what is wrong with a name, or returns "" for a good
// one: at least one visible character, at most maxNameBytes, and
// printable throughout. The checks come in that order, so a name of
// spaces or of one zero-width space is "blank", whatever else it is.
// Leading and trailing spaces are kept, as the client sent them.
func nameProblem(name string) string {
	switch {
	case strings.IndexFunc(name, isVisible) < 0:
		return `field "name" is required and must not be blank`
	case len(name) > maxNameBytes:
		return fmt.Sprintf(`field "name" must be at most %d bytes of UTF-8, not %d`, maxNameBytes, len(name))
	}
	if i := strings.IndexFunc(name, func(r rune) bool { return !isPrintable(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Sprintf(`field "name" must be printable text, not hold U+%04X, %s`, r, unprintableKind(r))
	}
	return ""
}

// isVisible reports whether r leaves a mark: a letter, a digit or other
// number, punctuation or a symbol (Unicode categories L, N, P, S). Spaces
// (Zs) and combining marks (M) are printable but not visible on their
// own, so a name of only those is blank.
func isVisible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
}

// isPrintable reports whether r may appear in a name: what Go calls
// graphic (categories L, M, N, P, S and the spaces Zs), and the two
// format characters that spelling needs, the zero-width non-joiner and
// joiner (U+200C, U+200D), used in Persian and Indic words and in emoji
// sequences such as a family. Every other format character (Cf) is
// refused: zero-width spaces and the bidirectional overrides make two
// different names look the same, or text around them display reversed.
// So are controls (Cc), line and paragraph separators (Zl, Zp), private
// use (Co) and code points Unicode has not assigned (Cn).
func isPrintable(r rune) bool {
	return unicode.IsGraphic(r) || r == '\u200c' || r == '\u200d'
}

// unprintableKind names the category of a rune isPrintable refuses, for
// the error message.
func unprintableKind(r rune) string {
	switch {
	case unicode.Is(unicode.Cc, r):
		return "a control character (Cc)"
	case unicode.Is(unicode.Cf, r):
		return "an invisible format character (Cf)"
	case unicode.In(r, unicode.Zl, unicode.Zp):
		return "a line or paragraph separator (Zl, Zp)"
	case unicode.Is(unicode.Co, r):
		return "a private-use character (Co)"
	}
	return "a code point Unicode has not assigned (Cn)"
}

// userID returns the :id parameter as an id, or the 404 that answers a
// path naming no user. Only the canonical decimal form is an id: "abc",
// "0", "-1", "+7" and "007" name no user, so they answer 404 like an id
// that does not exist, rather than 400. A URL is only a name; /users/abc
// is a name nobody gave out, not a malformed request, and "007" must not
// be a second name of user 7.
func userID(req *Request) (int, *APIError) {
	s := req.Params.Get("id")
	id, err := strconv.Atoi(s)
	if err != nil || id <= 0 || strconv.Itoa(id) != s {
		return 0, &APIError{404, fmt.Sprintf("user %q not found", s)}
	}
	return id, nil
}

// userNotFound answers for an id that no user has, or has no longer.
func userNotFound(id int) (int, any) {
	return errorJSON(404, "user %d not found", id)
}

// queryInt returns the query parameter name as an integer from lo to hi,
// or def when the query does not have it. Anything else, an empty value,
// "abc", "1.5", "-1", a number out of range or the parameter given twice,
// is a 400 that says what was expected: a client that asked for a page
// it does not get should hear so, not receive a different page.
func queryInt(q url.Values, name string, def, lo, hi int) (int, *APIError) {
	vs, ok := q[name]
	if !ok {
		return def, nil
	}
	want := fmt.Sprintf("an integer from %d to %d", lo, hi)
	if hi == math.MaxInt {
		want = fmt.Sprintf("an integer from %d up", lo)
	}
	if len(vs) > 1 {
		return 0, &APIError{400, fmt.Sprintf("query parameter %s is given %d times; give it once, as %s", name, len(vs), want)}
	}
	n, err := strconv.Atoi(vs[0])
	// Atoi accepts a sign; a query parameter is only digits.
	if err != nil || n < lo || n > hi || strings.ContainsAny(vs[0], "+-") {
		return 0, &APIError{400, fmt.Sprintf("query parameter %s must be %s, got %q", name, want, vs[0])}
	}
	return n, nil
}
