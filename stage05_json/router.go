package main

// This file holds the Router of stage 3, whose exact-match table is now a
// matcher, and what the two matchers share: the matcher interface and the
// per-pattern table of methods. Beside it, pattern.go holds the pattern
// syntax and its checks, params.go the Params a lookup fills, and
// dispatch.go routeRequest, which turns a lookup into a response.
// Everything a request can observe (which route wins, 404 or 405, the
// Allow list, the trailing-slash redirect, the 400 for a bad escape) is
// decided in these files or by rules both matchers follow, so that
// swapping one for the other (-router radix or regex) changes speed and
// nothing else.

import (
	"errors"
	"fmt"
	"io"
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
	// errorHandlers shape the error answers of one status each; see
	// ErrorHandler in errorhandlers.go.
	errorHandlers map[int]ErrorHandler

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

// registration is one route as the program registered it. Route.Handler
// is what the matcher serves: handler wrapped in the route's own
// middleware, if it has any.
type registration struct {
	Route
	handler Handler      // the handler as registered, for the route table
	mw      []Middleware // the route's own middleware, outermost first
	site    string       // the file:line that registered it
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
//
// Middleware given after h wraps this route alone, the first outermost,
// as Use does for the whole router: app.POST("/users", create,
// tokens.require) is the Go form of a decorator stacked under a Python
// @app.post. The route's chain is built here, once, and costs nothing
// per request beyond the calls themselves; Handle still returns h.
func (rt *Router) Handle(method, pattern string, h Handler, mw ...Middleware) Handler {
	rt.add(method, pattern, h, mw, caller())
	return h
}

// GET registers h, wrapped in mw, for GET requests to pattern. HEAD
// requests are answered by it too, without the body, unless a HEAD
// handler is registered.
func (rt *Router) GET(pattern string, h Handler, mw ...Middleware) Handler {
	rt.add("GET", pattern, h, mw, caller())
	return h
}

// POST registers h, wrapped in mw, for POST requests to pattern.
func (rt *Router) POST(pattern string, h Handler, mw ...Middleware) Handler {
	rt.add("POST", pattern, h, mw, caller())
	return h
}

// Group is routes under one path prefix that share middleware, as a
// Flask blueprint's or an Express router's do: the routes that change the
// users all need a token. Its middleware is given when the group is made,
// not added later, so that each route's chain is still built on the spot,
// as Handle builds it, with the group's middleware outside the route's own.
type Group struct {
	rt     *Router
	prefix string
	mw     []Middleware
}

// Group returns a group whose routes are prefix followed by their own
// pattern, each wrapped in mw, the first outermost. The prefix is "" or a
// path without a final slash: app.Group("/users").GET("/:id", h) is
// app.GET("/users/:id", h).
func (rt *Router) Group(prefix string, mw ...Middleware) *Group {
	return &Group{rt: rt, prefix: prefix, mw: slices.Clip(mw)}
}

// Handle registers h for method and the group's prefix followed by
// pattern, wrapped in the group's middleware, then in mw.
func (g *Group) Handle(method, pattern string, h Handler, mw ...Middleware) Handler {
	g.rt.add(method, g.prefix+pattern, h, append(g.mw, mw...), caller())
	return h
}

// GET registers h, wrapped as Handle wraps it, for GET (and HEAD)
// requests to the group's prefix followed by pattern.
func (g *Group) GET(pattern string, h Handler, mw ...Middleware) Handler {
	g.rt.add("GET", g.prefix+pattern, h, append(g.mw, mw...), caller())
	return h
}

// POST registers h, wrapped as Handle wraps it, for POST requests to the
// group's prefix followed by pattern.
func (g *Group) POST(pattern string, h Handler, mw ...Middleware) Handler {
	g.rt.add("POST", g.prefix+pattern, h, append(g.mw, mw...), caller())
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

// add registers h, wrapped in mw, under method and pattern, or panics
// saying why not. site is where the registration is written, for the
// messages.
func (rt *Router) add(method, pattern string, h Handler, mw []Middleware, site string) {
	where := fmt.Sprintf("route %s %s (%s)", method, pattern, site)
	if !isToken(method) {
		panic(fmt.Sprintf("%s: the method must be a token such as GET (RFC 9110 §9.1)", where))
	}
	if h == nil {
		panic(where + ": the handler is nil")
	}
	for _, m := range mw {
		if m == nil {
			panic(where + ": a middleware is nil")
		}
	}
	served := chain(h, mw)
	if err := rt.m.add(method, pattern, served); err != nil {
		// The matcher's message names the route again; where has it.
		msg := strings.TrimPrefix(err.Error(), "add "+method+" "+pattern+": ")
		for _, r := range rt.routes {
			if r.Method == method && r.Pattern == pattern {
				msg += "; the first registration is at " + r.site
			}
		}
		panic(fmt.Sprintf("%s: %s", where, msg))
	}
	rt.routes = append(rt.routes, registration{Route{Method: method, Pattern: pattern, Handler: served}, h, mw, site})
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
	return chain(rt.dispatch, rt.middleware)
}

// chain wraps h in mw, the last innermost, so that mw[0] is the outermost:
// the order of Use, and of a route's own middleware.
func chain(h Handler, mw []Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// WriteRoutes writes the route table to w, one line per method and
// pattern, with the handler's name, the route's own middleware after
// "via", and the line that registered it.
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
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Method, r.Pattern, r.describe(), r.site)
	}
	fmt.Fprintf(tw, "  every path also answers OPTIONS, and every GET route HEAD\n")
	return tw.Flush()
}

// describe names the route's handler and, after "via", its own
// middleware, outermost first.
func (r registration) describe() string {
	s := funcName(r.handler)
	for i, m := range r.mw {
		sep := ", "
		if i == 0 {
			sep = " via "
		}
		s += sep + funcName(m)
	}
	return s
}

// funcName returns the name of the function fn, a Handler or a
// Middleware, such as "userAgent",
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
func funcName(fn any) string {
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
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
