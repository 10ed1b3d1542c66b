package main

// The radix-tree router. A radix tree, or compressed trie, stores the
// routes' static bytes as edges, sharing every common prefix, so a lookup
// walks the path once, byte run by byte run, instead of trying the routes
// one by one: its cost grows with the length of the path, not with the
// number of routes. echo and httprouter are built on the same idea; this
// one differs from httprouter in two ways. It keeps one tree for all
// methods, with the methods at the leaves, so that a 405's Allow list is
// one more walk of the same tree. And it backtracks: when the static branch
// fails further down, the parameter branch is tried, then the catch-all.

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// tree is the radix-tree router. Its zero value is an empty tree, ready
// for add.
type tree struct {
	root node
}

// newTree returns an empty radix-tree router.
func newTree() *tree {
	return &tree{}
}

var _ matcher = (*tree)(nil)

// node is one vertex of the tree. A static node matches the bytes of path;
// a wildcard node matches one segment (a param) or the rest of the path (a
// catch-all). Children are tried in the order of priority: the one static
// child whose first byte fits, then the param child, then the catch-all.
type node struct {
	kind segKind
	// path is the run of bytes a static node matches; empty for the root
	// and for wildcard nodes.
	path string
	// name is a wildcard node's parameter name.
	name string
	// owner is the first route through a wildcard node, "GET /users/:id",
	// which a conflicting route's error names.
	owner string

	// indices holds the first byte of each static child, in the same
	// order as children, so choosing the child is a scan of a few bytes.
	// It is kept sorted, which makes the tree independent of registration
	// order.
	indices  string
	children []*node
	param    *node
	catchAll *node

	// ep holds the routes whose pattern ends here, or is nil.
	ep *endpoint
}

// add registers h for method and pattern. The pattern is split into runs
// of static bytes and wildcards: "/users/:id/posts" becomes "/users/", :id
// and "/posts". Each static run is merged into the tree, splitting edges
// where it diverges; each wildcard becomes, or must agree with, the single
// param or catch-all child of the node reached so far.
//
// A failing add leaves the tree as it was, up to edge splits, which change
// no match: a conflict is only possible at an existing wildcard, and once
// add has created a node, every node after it is new too.
func (t *tree) add(method, pattern string, h Handler) error {
	segs, err := parseRoute(method, pattern)
	if err != nil {
		return err
	}
	n, static := &t.root, ""
	for _, s := range segs {
		if s.kind == staticSeg {
			static += "/" + s.text
			continue
		}
		n = n.insertStatic(static + "/")
		static = ""
		if n, err = n.wildcard(s, method+" "+pattern); err != nil {
			return fmt.Errorf("add %s %s: %w", method, pattern, err)
		}
	}
	n = n.insertStatic(static)
	if n.ep == nil {
		n.ep = &endpoint{pattern: pattern}
	}
	if err := n.ep.add(method, h); err != nil {
		return fmt.Errorf("add %s %s: %w", method, pattern, err)
	}
	return nil
}

// insertStatic merges the static bytes s below n and returns the node
// where they end, splitting an edge that shares only part of s.
func (n *node) insertStatic(s string) *node {
	for s != "" {
		i := strings.IndexByte(n.indices, s[0])
		if i < 0 {
			c := &node{kind: staticSeg, path: s}
			n.addChild(c)
			return c
		}
		c := n.children[i]
		k := 0
		for k < len(s) && k < len(c.path) && s[k] == c.path[k] {
			k++
		}
		if k < len(c.path) {
			c.split(k)
		}
		n, s = c, s[k:]
	}
	return n
}

// addChild inserts the static child c, keeping indices sorted.
func (n *node) addChild(c *node) {
	i := 0
	for i < len(n.indices) && n.indices[i] < c.path[0] {
		i++
	}
	n.indices = n.indices[:i] + c.path[:1] + n.indices[i:]
	n.children = append(n.children, nil)
	copy(n.children[i+1:], n.children[i:])
	n.children[i] = c
}

// split cuts n's edge after k bytes: n keeps the first k and a new child
// takes the rest, along with everything that hung below n. Matches are
// unchanged; there is only a new place where another edge can branch off.
func (n *node) split(k int) {
	rest := *n
	rest.path = n.path[k:]
	*n = node{kind: staticSeg, path: n.path[:k], indices: rest.path[:1], children: []*node{&rest}}
}

// wildcard returns n's param or catch-all child for s, creating it if
// there is none. An existing one must have the same name; owner is the
// route being added, which becomes the child's owner when it is new.
func (n *node) wildcard(s segment, owner string) (*node, error) {
	slot := &n.param
	if s.kind == catchAllSeg {
		slot = &n.catchAll
	}
	if *slot == nil {
		*slot = &node{kind: s.kind, name: s.text, owner: owner}
	}
	if c := *slot; c.name != s.text {
		return nil, wildcardConflict(s, c.owner, c.name)
	}
	return *slot, nil
}

// lookup implements matcher. The first walk looks for a route of method,
// filling *ps as it goes; only when it fails does a second walk collect
// the methods of every route that matches, for the Allow list.
//
// Backtracking cannot blow up: each node is reached from its parent only,
// at an offset into the path that the bytes above it fix, so a walk visits
// a node at most once, and a lookup never costs more than one pass over
// the tree, whatever the request.
func (t *tree) lookup(method, path string, ps *Params) (*Route, string) {
	*ps = (*ps)[:0]
	s := search{method: method, ps: ps}
	if rt := s.walk(&t.root, path); rt != nil {
		return rt, ""
	}
	*ps = (*ps)[:0]
	s = search{collect: true}
	s.walk(&t.root, path)
	return nil, allowValue(s.allow)
}

// search is one walk of the tree for one request. It lives on the
// caller's stack, so a lookup allocates nothing.
type search struct {
	method string
	ps     *Params
	// collect makes the walk visit every matching endpoint, appending its
	// methods to allow, instead of stopping at the first route of method.
	collect bool
	allow   []string
}

// walk matches path, the part of the request path left after n's own
// bytes, below n, and returns the first route of s.method in the order of
// priority: the static child whose first byte fits, if all its bytes do,
// then the param child, then the catch-all.
//
// A branch that fails is left for the next one: that is the backtracking,
// and it needs a recursive call, so that the walk can come back here. When
// a node has no branch left to try after the one taken, the walk goes down
// without recursion instead, by continuing the loop; most nodes are like
// that, and the loop is cheaper than a call. A failed walk may leave the
// parameters of the branches it tried in *s.ps; its caller, which knows
// where its own parameters end, drops them.
func (s *search) walk(n *node, path string) *Route {
walk:
	for {
		mark := s.mark()
		if path == "" {
			if n.ep != nil {
				if rt := s.visit(n.ep); rt != nil {
					return rt
				}
			}
		} else {
			// A loop rather than strings.IndexByte: indices is a few
			// bytes, and in a profile of the GitHub benchmark the call
			// to the assembly routine cost more than this scan.
			for i := 0; i < len(n.indices); i++ {
				if n.indices[i] != path[0] {
					continue
				}
				c := n.children[i]
				if strings.HasPrefix(path, c.path) {
					if n.param == nil && n.catchAll == nil {
						n, path = c, path[len(c.path):]
						continue walk
					}
					if rt := s.walk(c, path[len(c.path):]); rt != nil {
						return rt
					}
					s.drop(mark)
				}
				break
			}
			if c := n.param; c != nil {
				end := 0
				for end < len(path) && path[end] != '/' {
					end++
				}
				if end > 0 {
					s.push(c.name, path[:end])
					if n.catchAll == nil {
						n, path = c, path[end:]
						continue walk
					}
					if rt := s.walk(c, path[end:]); rt != nil {
						return rt
					}
					s.drop(mark)
				}
			}
		}
		if c := n.catchAll; c != nil {
			s.push(c.name, path)
			return s.visit(c.ep)
		}
		return nil
	}
}

// visit is reached when the whole path matched the pattern of ep. It
// returns ep's route for the method, or, when collecting, notes ep's
// methods and returns nil so that the walk goes on.
func (s *search) visit(ep *endpoint) *Route {
	if s.collect {
		s.allow = ep.appendMethods(s.allow)
		return nil
	}
	return ep.find(s.method)
}

// mark returns the number of parameters pushed so far.
func (s *search) mark() int {
	if s.collect {
		return 0
	}
	return len(*s.ps)
}

// push appends a parameter.
func (s *search) push(key, value string) {
	if !s.collect {
		*s.ps = append(*s.ps, Param{Key: key, Value: value})
	}
}

// drop forgets the parameters pushed since mark, by a branch that failed.
func (s *search) drop(mark int) {
	if !s.collect {
		*s.ps = (*s.ps)[:mark]
	}
}

// dump draws the tree, one node a line, children in the order lookup
// tries them, with the methods and pattern of the routes that end at a
// node in a column on the right. It is for learning and debugging, not
// for the server.
func (t *tree) dump(w io.Writer) {
	var lines [][2]string
	kids := t.root.kids()
	for i, c := range kids {
		lines = c.draw(lines, "", i == len(kids)-1, len(kids) > 1)
	}
	width := 0
	for _, l := range lines {
		width = max(width, utf8.RuneCountInString(l[0]))
	}
	for _, l := range lines {
		if l[1] == "" {
			fmt.Fprintln(w, l[0])
			continue
		}
		fmt.Fprintf(w, "%s%s  %s\n", l[0], strings.Repeat(" ", width-utf8.RuneCountInString(l[0])), l[1])
	}
}

// kids returns n's children in the order of priority.
func (n *node) kids() []*node {
	kids := append([]*node(nil), n.children...)
	if n.param != nil {
		kids = append(kids, n.param)
	}
	if n.catchAll != nil {
		kids = append(kids, n.catchAll)
	}
	return kids
}

// draw appends the lines of n and its subtree to lines: the branch and
// label, and the routes ending at n. indent is what goes before n's
// branch, last says whether n is its parent's last child, and branch
// whether to draw the branch at all (not for a lone top-level node).
func (n *node) draw(lines [][2]string, indent string, last, branch bool) [][2]string {
	label := n.path
	switch n.kind {
	case paramSeg:
		label = ":" + n.name
	case catchAllSeg:
		label = "*" + n.name
	}
	head, more := "", ""
	if branch {
		head, more = "├── ", "│   "
		if last {
			head, more = "└── ", "    "
		}
	}
	routes := ""
	if n.ep != nil {
		ms := n.ep.appendMethods(nil)
		slices.Sort(ms)
		routes = strings.Join(ms, ",") + " " + n.ep.pattern
	}
	lines = append(lines, [2]string{indent + head + label, routes})
	kids := n.kids()
	for i, c := range kids {
		lines = c.draw(lines, indent+more, i == len(kids)-1, true)
	}
	return lines
}
