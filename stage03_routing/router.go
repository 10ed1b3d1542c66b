package main

import (
	"fmt"
	"io"
	"maps"
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
	// exact holds the routes of fixed paths, by path. Each route holds
	// its handlers by method, so a lookup is one map access for the path
	// and one for the method, however many routes there are.
	exact map[string]*route
	// prefixes holds the routes whose pattern ends in a {parameter}, the
	// one case an exact table cannot express. They are tried in turn,
	// longest prefix first, after the exact table has no entry.
	prefixes   []*route
	middleware []Middleware
}

// route is one path of the table with the handlers of its methods.
type route struct {
	pattern string // as registered: "/user-agent" or "/echo/{str}"
	prefix  string // for a pattern ending in {parameter}: the part before it, "/echo/"
	methods map[string]Handler
	sites   map[string]string // method -> file:line that registered it
	allow   string            // the value of Allow for this path
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{exact: map[string]*route{}}
}

// Handle registers h for requests with this method and a path matching
// pattern. A pattern is a fixed path such as "/user-agent", or a path
// whose last segment is a parameter, such as "/echo/{str}": in this stage
// the parameter matches the whole rest of the path, slashes included, and
// the handler cuts the prefix off itself.
//
// Handle returns h, so that a handler can register itself where it is
// declared (var _ = app.GET("/", root)), the way a Python decorator sits
// on its function. It panics on a pattern it cannot serve and on a method
// and pattern registered twice: both are mistakes in the program, found
// when it starts, not by the first unlucky client.
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
	prefix, err := parsePattern(pattern)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", where, err))
	}

	r := rt.exact[pattern]
	if prefix != "" {
		r = nil
		for _, p := range rt.prefixes {
			if p.prefix == prefix {
				r = p
			}
		}
	}
	if r == nil {
		r = &route{pattern: pattern, prefix: prefix, methods: map[string]Handler{}, sites: map[string]string{}}
		if prefix == "" {
			rt.exact[pattern] = r
		} else {
			rt.prefixes = append(rt.prefixes, r)
			sort.SliceStable(rt.prefixes, func(i, j int) bool { return len(rt.prefixes[i].prefix) > len(rt.prefixes[j].prefix) })
		}
	}
	if r.pattern != pattern {
		panic(fmt.Sprintf("%s: %s already matches every path under %s; use the same parameter name", where, r.pattern, prefix))
	}
	if first, dup := r.sites[method]; dup {
		panic(fmt.Sprintf("%s: registered twice; the first registration is at %s", where, first))
	}
	r.methods[method] = h
	r.sites[method] = site
	r.allow = allowed(r.methods)
}

// parsePattern checks a pattern and returns its prefix if it ends in a
// parameter, or "" for a fixed path.
func parsePattern(pattern string) (prefix string, err error) {
	if !strings.HasPrefix(pattern, "/") || strings.ContainsAny(pattern, "?# ") {
		return "", fmt.Errorf("a pattern is a path such as /user-agent, without a query")
	}
	if !strings.ContainsAny(pattern, "{}") {
		return "", nil
	}
	i := strings.LastIndex(pattern, "/") + 1
	last := pattern[i:]
	name := strings.TrimSuffix(strings.TrimPrefix(last, "{"), "}")
	if len(name)+2 != len(last) || name == "" || strings.ContainsAny(name, "{}") || strings.ContainsAny(pattern[:i], "{}") {
		return "", fmt.Errorf("this stage's router accepts a {parameter} only as the whole last segment, as in /echo/{str}; stage 4 lifts that limit")
	}
	return pattern[:i], nil
}

// allowed returns the Allow value for a path with these methods (RFC 9110
// §10.2.1): the registered methods, HEAD where GET is registered, since
// the router answers it, and OPTIONS, which every path answers. They are
// sorted so that the header is the same on every run.
func allowed(methods map[string]Handler) string {
	set := map[string]bool{"OPTIONS": true}
	for m := range methods {
		set[m] = true
		if m == "GET" {
			set["HEAD"] = true
		}
	}
	names := make([]string, 0, len(set))
	for m := range set {
		names = append(names, m)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// match finds the route of a path: first in the exact table, one map
// lookup whatever its size, then among the prefix routes, one comparison
// each. It returns nil when no route matches. It is the router's only
// lookup, so a different matcher (stage 4) replaces this method and
// nothing else.
func (rt *Router) match(path string) *route {
	if r, ok := rt.exact[path]; ok {
		return r
	}
	for _, r := range rt.prefixes {
		if strings.HasPrefix(path, r.prefix) {
			return r
		}
	}
	return nil
}

// serverAllow returns the Allow value of the server as a whole: every
// method some route has, with HEAD and OPTIONS as allowed adds them.
func (rt *Router) serverAllow() string {
	all := map[string]Handler{}
	for _, r := range append(slices.Collect(maps.Values(rt.exact)), rt.prefixes...) {
		maps.Copy(all, r.methods)
	}
	return allowed(all)
}

// dispatch answers a request from the table. A path nobody registered is
// 404; a known path with a method it does not have is 405 with Allow
// (RFC 9110 §15.5.6), except that HEAD falls back on the GET handler
// (RFC 9110 §9.3.2; the serve loop leaves the body out) and OPTIONS gets
// 204 with Allow (RFC 9110 §9.3.7). "OPTIONS *", the one request whose
// path is "*" (the parser allows it for OPTIONS only), asks about the
// server as a whole, and hears every method of every route.
func (rt *Router) dispatch(req *Request) *Response {
	if req.Path == "*" {
		return &Response{Status: 204, Header: Header{{Name: "Allow", Value: rt.serverAllow()}}}
	}
	r := rt.match(req.Path)
	if r == nil {
		return &Response{Status: 404}
	}
	if h, ok := r.methods[req.Method]; ok {
		return h(req)
	}
	switch req.Method {
	case "HEAD":
		if h, ok := r.methods["GET"]; ok {
			return h(req)
		}
	case "OPTIONS":
		return &Response{Status: 204, Header: Header{{Name: "Allow", Value: r.allow}}}
	}
	return &Response{Status: 405, Header: Header{{Name: "Allow", Value: r.allow}}}
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
	var all []*route
	for _, r := range rt.exact {
		all = append(all, r)
	}
	all = append(all, rt.prefixes...)
	sort.Slice(all, func(i, j int) bool { return all[i].pattern < all[j].pattern })

	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, r := range all {
		methods := make([]string, 0, len(r.methods))
		for m := range r.methods {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m, r.pattern, funcName(r.methods[m]), r.sites[m])
		}
	}
	fmt.Fprintf(tw, "  every path also answers OPTIONS, and every GET route HEAD\n")
	return tw.Flush()
}

// funcName returns the name of the function h, such as "userAgent",
// without its package. A func value is a pointer to code, and the runtime
// knows the name of the code; a function literal gets a made-up name
// such as "glob..func1".
func funcName(h Handler) string {
	name := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	name = name[strings.LastIndex(name, "/")+1:]
	_, name, _ = strings.Cut(name, ".")
	return name
}
