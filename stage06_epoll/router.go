package main

// This file holds the Router of stage 3, whose exact-match table is now a
// matcher, and what the two matchers share: the matcher interface, the
// Params a lookup fills, the pattern syntax and its checks, the
// per-pattern table of methods, and routeRequest, which turns a lookup
// into a response. Everything a request can observe (which route wins, 404
// or 405, the Allow list, the trailing-slash redirect, the 400 for a bad
// escape) is decided here or by rules both matchers follow, so that
// swapping one for the other (-router radix or regex) changes speed and
// nothing else.
//
// Patterns are paths whose segments can be parameters:
//
//	/users/me                   a static route
//	/users/:id                  :id matches one whole, non-empty segment
//	/users/:id/posts/:post_id   any number of parameters
//	/files/*path                *path matches the rest of the path, slashes
//	                            included, possibly empty; only at the end
//
// When several routes match a path, the one that wins is decided segment
// by segment, left to right: a static segment beats a parameter, which
// beats a catch-all. So /users/me wins over /users/:id, and
// /users/me/posts/3 still reaches /users/:id/posts/:post_id when no static
// route starts with /users/me/posts/. The order of registration never
// matters. Only routes registered for the request's method take part; when
// none of them matches but routes of other methods do, the answer is 405.

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// Handler answers one request. Every route's handler has this one type,
// whatever it does, so handlers are ordinary values: they fit in a map, a
// slice or a variable, and a function can take one and return another.
type Handler func(req *Request) *Response

// Middleware wraps a handler in another one that runs code before and
// after it, or instead of it: Go's form of a Python decorator.
type Middleware func(next Handler) Handler

// Router is a table of routes, filled by registration and consulted once
// per request. Register every route and middleware before serving: the
// table is read by every connection's goroutine and has no lock.
type Router struct {
	// m finds the route of a request: the radix tree, unless SetMatcher
	// chose the regex list. It checks every route as it is registered.
	m matcher
	// routes lists every registration in order, with the line that made
	// it, so that SetMatcher can fill another matcher with the same routes
	// and WriteRoutes can print them.
	routes     []registration
	middleware []Middleware

	// NotFound answers a path no route matches; MethodNotAllowed a path
	// whose routes do not have the request's method, given the value of
	// Allow that the answer must carry; BadRequest a path whose
	// parameters do not percent-decode, given what is wrong. NewRouter
	// sets them to answers without a body, and a text/plain line for the
	// 400; an application may replace them, as a JSON API does.
	NotFound         Handler
	MethodNotAllowed func(allow string) *Response
	BadRequest       func(msg string) *Response
}

// registration is one route as the program registered it.
type registration struct {
	Route
	site string // the file:line that registered it
}

// matchers are the matchers a Router can use, by the name that SetMatcher
// and the -router flag give them.
var matchers = map[string]func() matcher{
	"radix": func() matcher { return newTree() },
	"regex": func() matcher { return newRegexRouter() },
}

// NewRouter returns an empty router that matches with a radix tree.
func NewRouter() *Router {
	return &Router{
		m:        newTree(),
		NotFound: func(*Request) *Response { return &Response{Status: 404} },
		MethodNotAllowed: func(allow string) *Response {
			return &Response{Status: 405, Header: Header{{Name: "Allow", Value: allow}}}
		},
		BadRequest: func(msg string) *Response { return textResponse(400, msg+"\n") },
	}
}

// SetMatcher makes the router match with the matcher called name, "radix"
// or "regex", filled with every route registered so far. Routes register
// before main runs, so this is how a flag read in main can choose the
// matcher: call it before Handler.
func (rt *Router) SetMatcher(name string) error {
	newMatcher, ok := matchers[name]
	if !ok {
		return fmt.Errorf("no router called %q: choose radix or regex", name)
	}
	m := newMatcher()
	for _, r := range rt.routes {
		// The two matchers accept exactly the same routes, so this only
		// fails if one of them has a bug.
		if err := m.add(r.Method, r.Pattern, r.Handler); err != nil {
			return fmt.Errorf("%s router: route from %s: %w", name, r.site, err)
		}
	}
	rt.m = m
	return nil
}

// Handle registers h for requests with this method and a path matching
// pattern. A pattern is a path whose segments may be parameters: :name
// matches one whole segment, as in /users/:id, and *name, as the last
// segment only, the rest of the path, as in /files/*path. The handler
// finds their values, percent-decoded, in req.Params.
//
// Handle returns h, so that a handler can register itself where it is
// declared (var _ = app.GET("/", root)), the way a Python decorator sits
// on its function. It panics on a pattern it cannot serve, on one that
// conflicts with a route already registered, and on a method and pattern
// registered twice: all are mistakes in the program, found when it
// starts, not by the first unlucky client.
func (rt *Router) Handle(method, pattern string, h Handler) Handler {
	rt.add(method, pattern, h, caller())
	return h
}

// GET registers h for GET requests to pattern. HEAD requests are answered
// by h too, without the body, unless a HEAD handler is registered.
func (rt *Router) GET(pattern string, h Handler) Handler {
	rt.add("GET", pattern, h, caller())
	return h
}

// POST registers h for POST requests to pattern.
func (rt *Router) POST(pattern string, h Handler) Handler {
	rt.add("POST", pattern, h, caller())
	return h
}

// caller returns the file:line of the code that called a registration
// method, for the messages of add and the route table.
func caller() string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return "unknown"
	}
	return fmt.Sprintf("%s:%d", filepath.Base(file), line)
}

// add registers h under method and pattern, or panics saying why not. site
// is where the registration is written, for the messages.
func (rt *Router) add(method, pattern string, h Handler, site string) {
	where := fmt.Sprintf("route %s %s (%s)", method, pattern, site)
	if !isToken(method) {
		panic(fmt.Sprintf("%s: the method must be a token such as GET (RFC 9110 §9.1)", where))
	}
	if h == nil {
		panic(where + ": the handler is nil")
	}
	if err := rt.m.add(method, pattern, h); err != nil {
		// The matcher's message names the route again; where has it.
		msg := strings.TrimPrefix(err.Error(), "add "+method+" "+pattern+": ")
		for _, r := range rt.routes {
			if r.Method == method && r.Pattern == pattern {
				msg += "; the first registration is at " + r.site
			}
		}
		panic(fmt.Sprintf("%s: %s", where, msg))
	}
	rt.routes = append(rt.routes, registration{Route{Method: method, Pattern: pattern, Handler: h}, site})
}

// segKind is the kind of one pattern segment. The order of the constants
// is the order of priority: a lower kind wins.
type segKind uint8

const (
	staticSeg segKind = iota
	paramSeg
	catchAllSeg
)

// segment is one '/'-separated part of a pattern.
type segment struct {
	kind segKind
	// text is a static segment's bytes, or a wildcard's name without its
	// ':' or '*'.
	text string
}

// String returns the segment as written in the pattern, for messages.
func (s segment) String() string {
	switch s.kind {
	case paramSeg:
		return ":" + s.text
	case catchAllSeg:
		return "*" + s.text
	}
	return s.text
}

// parsePattern splits a pattern into its segments and checks it. The rules
// are strict so that a typo fails at start-up instead of silently becoming
// a static route that nothing ever requests.
func parsePattern(pattern string) ([]segment, error) {
	if !strings.HasPrefix(pattern, "/") {
		return nil, fmt.Errorf("%w: pattern %q must start with /", ErrPattern, pattern)
	}
	for i := 0; i < len(pattern); i++ {
		if c := pattern[i]; c <= ' ' || c >= 0x7f || c == '?' || c == '#' {
			return nil, fmt.Errorf("%w: pattern %q has byte %q at %d; a pattern is a raw path, without query, and other bytes arrive percent-encoded", ErrPattern, pattern, c, i)
		}
	}
	parts := strings.Split(pattern[1:], "/")
	segs := make([]segment, len(parts))
	for i, p := range parts {
		last := i == len(parts)-1
		switch {
		case p == "" && !last:
			return nil, fmt.Errorf("%w: pattern %q has an empty segment (//), which no parameter could match", ErrPattern, pattern)
		case strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*"):
			s := segment{kind: paramSeg, text: p[1:]}
			if p[0] == '*' {
				s.kind = catchAllSeg
			}
			if !validName(s.text) {
				return nil, fmt.Errorf("%w: pattern %q: parameter %q needs a name of letters, digits and _", ErrPattern, pattern, p)
			}
			if s.kind == catchAllSeg && !last {
				return nil, fmt.Errorf("%w: pattern %q: catch-all %s must be the last segment, but %q follows it", ErrPattern, pattern, p, strings.Join(parts[i+1:], "/"))
			}
			for _, prev := range segs[:i] {
				if prev.kind != staticSeg && prev.text == s.text {
					return nil, fmt.Errorf("%w: pattern %q names two parameters %s", ErrPattern, pattern, s.text)
				}
			}
			segs[i] = s
		case strings.ContainsAny(p, ":*"):
			return nil, fmt.Errorf("%w: pattern %q: segment %q holds ':' or '*'; a parameter must be a whole segment", ErrPattern, pattern, p)
		default:
			segs[i] = segment{kind: staticSeg, text: p}
		}
	}
	return segs, nil
}

// validName reports whether s can name a parameter: it must be non-empty,
// and limiting it to letters, digits and '_' keeps it a valid name for a
// regexp group too.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkMethod accepts a method if it is a token (RFC 9110 §9.1, §5.6.2).
// Methods are case-sensitive, so "get" is a different method from "GET";
// it is accepted, and serves only requests that spell it so.
func checkMethod(method string) error {
	if method == "" {
		return fmt.Errorf("%w: empty method", ErrPattern)
	}
	for i := 0; i < len(method); i++ {
		if c := method[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return fmt.Errorf("%w: method %q is not a token", ErrPattern, method)
		}
	}
	return nil
}

// wildcardConflict is the error for a route that names a parameter
// position differently from owner, the route that named it first, as
// /users/:name after /users/:id. The tree has one param child per node,
// with one name, for every method; a handler asking for "name" would find
// nothing. The regex router could cope, but refuses the same routes, so
// that both routers accept exactly the same route sets.
func wildcardConflict(s segment, owner, ownerName string) error {
	first := segment{kind: s.kind, text: ownerName}
	return fmt.Errorf("%w: %s is at the position of %s in %s; one position has one name for every method",
		ErrConflict, s, first, owner)
}

// allowValue turns the methods of every endpoint that matched a path into
// an Allow header value (RFC 9110 §10.2.1): sorted, without duplicates,
// with HEAD when GET is there and with OPTIONS, which routeRequest answers
// itself. It returns "" when there are none, meaning the path is unknown.
// It sorts because the header should be the same on every run.
func allowValue(ms []string) string {
	if len(ms) == 0 {
		return ""
	}
	if slices.Contains(ms, "GET") {
		ms = append(ms, "HEAD")
	}
	ms = append(ms, "OPTIONS")
	slices.Sort(ms)
	return strings.Join(slices.Compact(ms), ", ")
}

// Param is one path parameter: its name from the pattern, without the ':'
// or '*', and its value from the request path.
type Param struct {
	Key   string
	Value string
}

// Params are the parameters of one matched route, in the order they appear
// in its pattern. A lookup writes them into a slice the caller owns and
// can reuse from request to request, so that once its capacity has grown
// to the largest route's parameter count, filling it never allocates. The
// values are substrings of the request path, not copies.
type Params []Param

// Get returns the value of the parameter called name, or "" if there is
// none. A linear search is the right tool: a route has a handful of
// parameters, and a map would cost an allocation per request.
func (ps Params) Get(name string) string {
	for _, p := range ps {
		if p.Key == name {
			return p.Value
		}
	}
	return ""
}

// Unescape percent-decodes every value in place (RFC 3986 §2.1), so that a
// handler sees "a b" for the segment "a%20b" and "a/b" for "a%2Fb".
//
// Decoding is not part of lookup, for two reasons. Matching must run on the
// raw path: decoded first, "%2F" would become a slash and split a segment
// in two. And decoding can fail and can allocate, while lookup is meant to
// do neither. Nor is it left to handlers, where it would be forgotten:
// routeRequest calls Unescape once a route matched, answers 400 when it
// fails, and hands the handler decoded values. A value without '%' is kept
// as it is, so plain paths still cost no allocation.
//
// A decoded value can hold any byte, '/' and NUL included: a handler that
// turns one into a file name must check it, since "..%2F" is a single
// segment to the router and "../" to the file system.
func (ps Params) Unescape() error {
	for i := range ps {
		if strings.IndexByte(ps[i].Value, '%') < 0 {
			continue
		}
		v, err := url.PathUnescape(ps[i].Value)
		if err != nil {
			return fmt.Errorf("parameter %s: %w", ps[i].Key, err)
		}
		ps[i].Value = v
	}
	return nil
}

// Route is one registration: a method, a pattern and the handler that
// serves them. A lookup returns the Route it matched, so a caller can log
// or count requests by pattern rather than by path.
type Route struct {
	Method  string
	Pattern string
	Handler Handler
}

// matcher is what both routers implement, and the one thing of the Router
// that changed since stage 3, where it was a method: match, an exact table
// with one special case for a parameter at the end.
//
// add registers h for method and pattern. It fails, leaving the router as
// it was, when the method is not a token, the pattern is malformed, or the
// route conflicts with one already registered; the error names both.
//
// lookup finds the route for a request. It resets *ps and fills it with
// the route's parameters, raw, as substrings of path. It returns the route,
// or nil; and when it returns nil, allow is the value of an Allow header
// listing every method some route accepts for path (HEAD and OPTIONS
// included), or "" when no route of any method matches. So a non-nil route
// means serve, a non-empty allow means 405 (or the answer to OPTIONS), and
// neither means 404. lookup is safe for concurrent use once every add is
// done. The radix tree's lookup allocates nothing for a match beyond
// growing *ps; the regex router's allocates the regexp's submatch indices.
type matcher interface {
	add(method, pattern string, h Handler) error
	lookup(method, path string, ps *Params) (rt *Route, allow string)
}

// The routers' own errors, each wrapped with the route being added, so a
// caller can tell the two kinds of mistake apart with errors.Is.
var (
	// ErrPattern means a malformed method or pattern.
	ErrPattern = errors.New("invalid route")
	// ErrConflict means a route that cannot live beside one already
	// registered.
	ErrConflict = errors.New("conflicting routes")
)

// routeRequest answers req with rt's matcher: it runs the matched route's
// handler with decoded Params, or answers 400, 204, 405, a redirect or 404
// itself, the 400, 404 and 405 through rt's hooks. It is the one place
// these answers are decided, so both routers behave alike.
//
// ps is the caller's reusable Params; req.Params shares its storage, so a
// handler must copy what it keeps.
//
// The trailing-slash policy is httprouter's: when no route of any method
// matches the path, but a route for this very method matches the path with
// its trailing slash added or removed, the answer is a redirect there (301
// for GET and HEAD, 308 for other methods, which keeps a client from
// turning a POST into a GET), with the query kept. Anything else is 404.
// The redirect is decided here, with a second lookup, rather than inside
// each router: both routers then follow the policy identically by
// construction, and it costs nothing on the paths that match.
func (rt *Router) routeRequest(req *Request, ps *Params) *Response {
	route, allow := rt.m.lookup(req.Method, req.Path, ps)
	switch {
	case route != nil:
		if err := ps.Unescape(); err != nil {
			return rt.BadRequest("bad percent-encoding in path: " + err.Error())
		}
		req.Params = *ps
		return route.Handler(req)
	case allow != "" && req.Method == "OPTIONS":
		return &Response{Status: 204, Header: Header{{Name: "Allow", Value: allow}}}
	case allow != "":
		return rt.MethodNotAllowed(allow)
	}
	if to, ok := slashRedirect(rt.m, req.Method, req.Path, ps); ok {
		status := 308
		if req.Method == "GET" || req.Method == "HEAD" {
			status = 301
		}
		if req.RawQuery != "" {
			to += "?" + req.RawQuery
		}
		return &Response{Status: status, Header: Header{{Name: "Location", Value: to}}}
	}
	return rt.NotFound(req)
}

// slashRedirect returns path with its trailing slash toggled, if a request
// of method for that path would be served: by a route, or, for OPTIONS, by
// routeRequest's own answer. It never offers a path starting with "//",
// which a browser would read as another host (an open redirect). No
// pattern the routers accept could make such a path match where the
// original did not, since patterns have no empty segments; the check is
// there so that this stays true whatever the patterns become.
func slashRedirect(m matcher, method, path string, ps *Params) (string, bool) {
	var to string
	switch {
	case path == "/" || !strings.HasPrefix(path, "/"):
		return "", false
	case strings.HasSuffix(path, "/"):
		to = path[:len(path)-1]
	default:
		to = path + "/"
	}
	if strings.HasPrefix(to, "//") {
		return "", false
	}
	rt, allow := m.lookup(method, to, ps)
	return to, rt != nil || method == "OPTIONS" && allow != ""
}

// dispatch answers a request with the matcher, through routeRequest: the
// route's handler, with req.Params filled in and decoded, or a 400, 404,
// 405 with Allow, 204 for OPTIONS or a redirect. Each request brings its
// own Params for lookup to fill, so concurrent requests share nothing.
func (rt *Router) dispatch(req *Request) *Response {
	return rt.routeRequest(req, &req.Params)
}

// Use adds middleware around everything the router answers, 404 and 405
// included. The first middleware added is the outermost: after
// Use(a, b), a request goes through a, then b, then the route's handler,
// and the response comes back through b, then a.
func (rt *Router) Use(mw ...Middleware) {
	rt.middleware = append(rt.middleware, mw...)
}

// Handler returns the router as one Handler: dispatch wrapped in the
// middleware, the last added innermost. It is built once, when the server
// starts, not on every request.
func (rt *Router) Handler() Handler {
	h := rt.dispatch
	for i := len(rt.middleware) - 1; i >= 0; i-- {
		h = rt.middleware[i](h)
	}
	return h
}

// WriteRoutes writes the route table to w, one line per method and
// pattern, with the handler's name and the line that registered it.
func (rt *Router) WriteRoutes(w io.Writer) error {
	all := slices.Clone(rt.routes)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Pattern != all[j].Pattern {
			return all[i].Pattern < all[j].Pattern
		}
		return all[i].Method < all[j].Method
	})

	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, r := range all {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Method, r.Pattern, funcName(r.Handler), r.site)
	}
	fmt.Fprintf(tw, "  every path also answers OPTIONS, and every GET route HEAD\n")
	return tw.Flush()
}

// funcName returns the name of the function h, such as "userAgent",
// without its package. A func value is a pointer to code, and the runtime
// knows the name of the code; a function literal gets a made-up name
// such as "glob..func1".
//
// Two kinds of made-up name are tidied. A method value, users.create, is a
// wrapper the compiler calls "(*userStore).create-fm", shown without the
// "-fm". A function literal is named after the function it is written in:
// the adapter JSON returns is "JSON.func1", or "init.JSON.func3" once the
// compiler has inlined JSON where the routes register. It is shown as
// "JSON(...)", and the registering line says which function it adapts.
func funcName(h Handler) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = name[strings.LastIndex(name, "/")+1:]
	_, name, _ = strings.Cut(name, ".")
	name = strings.TrimSuffix(name, "-fm")
	if i := strings.LastIndex(name, ".func"); i >= 0 {
		if outer := name[strings.LastIndex(name[:i], ".")+1 : i]; outer != "" {
			name = outer + "(...)"
		}
	}
	return name
}

// endpoint is one pattern and the routes registered on it, one per method,
// in the order they were added. Both routers keep one endpoint per
// pattern, which is what makes the Allow list a matter of reading it.
type endpoint struct {
	pattern string
	routes  []*Route
}

// add registers h for method, refusing a second registration of the same
// method and pattern.
func (e *endpoint) add(method string, h Handler) error {
	for _, rt := range e.routes {
		if rt.Method == method {
			return fmt.Errorf("%w: %s %s is already registered", ErrConflict, method, e.pattern)
		}
	}
	e.routes = append(e.routes, &Route{Method: method, Pattern: e.pattern, Handler: h})
	return nil
}

// find returns the route for method, or nil. HEAD falls back to GET, as
// RFC 9110 §9.3.2 asks: the server answers HEAD like GET without the body.
func (e *endpoint) find(method string) *Route {
	for _, rt := range e.routes {
		if rt.Method == method {
			return rt
		}
	}
	if method == "HEAD" {
		return e.find("GET")
	}
	return nil
}

// appendMethods appends the methods of e's routes to ms.
func (e *endpoint) appendMethods(ms []string) []string {
	for _, rt := range e.routes {
		ms = append(ms, rt.Method)
	}
	return ms
}
