package main

// The regex router: every pattern becomes an anchored regular expression,
// and a lookup tries them one after the other until one matches. It is the
// router most people write first, it is short, and it is correct; its
// flaw is that a request for the last route pays for a failed match against
// every route before it, so lookups slow down as the API grows.
//
// The first version most people write tries the routes in the order they
// were registered, so /users/:id registered before /users/me swallows
// /users/me, and the fix is "register static routes first". This one keeps
// its list sorted by rank instead, the kinds of a pattern's segments
// compared left to right, static before param before catch-all: that is
// the tree's order of priority, so the two routers always agree, and the
// order of registration stops mattering.

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// regexRouter is the regex router. Its zero value is not ready; use
// newRegexRouter.
type regexRouter struct {
	// entries holds one compiled pattern per endpoint, in the order of
	// priority (see rank), so the first entry that matches is the route
	// the radix tree would choose.
	entries []*regexEntry
	// byPattern finds a pattern's entry, to add a method to it.
	byPattern map[string]*regexEntry
	// wildcards maps the shape of a pattern up to each of its wildcards,
	// such as "/users/:" for /users/:id, to the name there and the route
	// that named it first, to refuse the conflicts the tree refuses.
	wildcards map[string]namedWildcard
}

// namedWildcard is the name a wildcard position received first, and the
// route that gave it.
type namedWildcard struct {
	name, owner string
}

// regexEntry is one pattern, compiled.
type regexEntry struct {
	re    *regexp.Regexp
	names []string  // the parameter names, in the order of re's groups
	rank  []segKind // the pattern's segment kinds, its place in entries
	ep    *endpoint
}

// newRegexRouter returns an empty regex router.
func newRegexRouter() *regexRouter {
	return &regexRouter{byPattern: map[string]*regexEntry{}, wildcards: map[string]namedWildcard{}}
}

var _ matcher = (*regexRouter)(nil)

// add registers h for method and pattern. It checks everything before it
// changes anything, so a failing add leaves the router as it was.
func (r *regexRouter) add(method, pattern string, h Handler) error {
	segs, err := parseRoute(method, pattern)
	if err != nil {
		return err
	}
	owner := method + " " + pattern
	var shape strings.Builder
	fresh := map[string]string{} // the shapes this route names first
	for _, s := range segs {
		shape.WriteByte('/')
		switch s.kind {
		case staticSeg:
			shape.WriteString(s.text)
			continue
		case paramSeg:
			shape.WriteByte(':')
		case catchAllSeg:
			shape.WriteByte('*')
		}
		w, ok := r.wildcards[shape.String()]
		if !ok {
			fresh[shape.String()] = s.text
			continue
		}
		if w.name != s.text {
			return fmt.Errorf("add %s: %w", owner, wildcardConflict(s, w.owner, w.name))
		}
	}

	e := r.byPattern[pattern]
	if e == nil {
		e = compileEntry(pattern, segs)
	}
	if err := e.ep.add(method, h); err != nil {
		return fmt.Errorf("add %s: %w", owner, err)
	}
	for shape, name := range fresh {
		r.wildcards[shape] = namedWildcard{name: name, owner: owner}
	}
	if r.byPattern[pattern] == nil {
		r.byPattern[pattern] = e
		i := sort.Search(len(r.entries), func(i int) bool {
			return slices.Compare(r.entries[i].rank, e.rank) > 0
		})
		r.entries = slices.Insert(r.entries, i, e)
	}
	return nil
}

// compileEntry turns a checked pattern into its regexp: "/users/:id"
// becomes ^/users/(?P<id>[^/]+)$ and "/files/*path" ^/files/(?P<path>.*)$.
// The (?s) flag lets '.' match a newline too, so that the catch-all, like
// the tree's, takes whatever bytes are left.
func compileEntry(pattern string, segs []segment) *regexEntry {
	e := &regexEntry{ep: &endpoint{pattern: pattern}}
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, s := range segs {
		b.WriteByte('/')
		e.rank = append(e.rank, s.kind)
		switch s.kind {
		case staticSeg:
			b.WriteString(regexp.QuoteMeta(s.text))
		case paramSeg:
			fmt.Fprintf(&b, `(?P<%s>[^/]+)`, s.text)
			e.names = append(e.names, s.text)
		case catchAllSeg:
			fmt.Fprintf(&b, `(?P<%s>.*)`, s.text)
			e.names = append(e.names, s.text)
		}
	}
	b.WriteByte('$')
	e.re = regexp.MustCompile(b.String())
	return e
}

// lookup implements matcher. It tries the entries in the order of priority
// and returns the first that matches path and has a route for method.
// Looking at the method first skips the regexp of an endpoint that could
// not serve the request anyway. When nothing serves it, a second pass
// collects the methods of every entry that matches, for the Allow list.
func (r *regexRouter) lookup(method, path string, ps *Params) (*Route, string) {
	*ps = (*ps)[:0]
	for _, e := range r.entries {
		rt := e.ep.find(method)
		if rt == nil {
			continue
		}
		if len(e.names) == 0 {
			if e.re.MatchString(path) {
				return rt, ""
			}
			continue
		}
		m := e.re.FindStringSubmatchIndex(path)
		if m == nil {
			continue
		}
		for i, name := range e.names {
			*ps = append(*ps, Param{Key: name, Value: path[m[2+2*i]:m[3+2*i]]})
		}
		return rt, ""
	}
	var ms []string
	for _, e := range r.entries {
		if e.re.MatchString(path) {
			ms = e.ep.appendMethods(ms)
		}
	}
	return nil, allowValue(ms)
}
