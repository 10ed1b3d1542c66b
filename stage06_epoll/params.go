package main

// Path parameters: the values a lookup cuts out of the request path for
// the wildcards of the matched pattern, and their percent-decoding.

import (
	"fmt"
	"net/url"
	"strings"
)

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
