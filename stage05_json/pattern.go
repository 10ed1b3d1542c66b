package main

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
	"fmt"
	"strings"
)

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

// parseRoute checks the method and the pattern of a route and returns the
// pattern's segments: the first step of both matchers' add, so that they
// accept the same routes and say the same of the others.
func parseRoute(method, pattern string) ([]segment, error) {
	if err := checkMethod(method); err != nil {
		return nil, fmt.Errorf("add %s %s: %w", method, pattern, err)
	}
	segs, err := parsePattern(pattern)
	if err != nil {
		return nil, fmt.Errorf("add %s %s: %w", method, pattern, err)
	}
	return segs, nil
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
