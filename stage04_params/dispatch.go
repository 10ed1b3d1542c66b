package main

// Dispatch: how a lookup becomes an answer. Either the matched route's
// handler runs, or the router answers itself: 400 for parameters that do
// not decode, 204 or 405 with Allow, a trailing-slash redirect, or 404.

import (
	"slices"
	"strings"
)

// dispatch answers a request with the matcher, through routeRequest: the
// route's handler, with req.Params filled in and decoded, or a 400, 404,
// 405 with Allow, 204 for OPTIONS or a redirect. Each request brings its
// own Params for lookup to fill, so concurrent requests share nothing.
//
// "OPTIONS *", the one request whose path is "*" (the parser allows it for
// OPTIONS only), asks about the server as a whole (RFC 9110 §9.3.7): it
// hears every method of every route.
func (rt *Router) dispatch(req *Request) *Response {
	if req.Path == "*" {
		ms := []string{"OPTIONS"}
		for _, r := range rt.routes {
			ms = append(ms, r.Method)
		}
		return &Response{Status: 204, Header: Header{{Name: "Allow", Value: allowValue(ms)}}}
	}
	return routeRequest(rt.m, req, &req.Params)
}

// routeRequest answers req with m: it runs the matched route's handler with
// decoded Params, or answers 400, 204, 405, a redirect or 404 itself. It is
// the one place these answers are decided, so both routers behave alike.
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
func routeRequest(m matcher, req *Request, ps *Params) *Response {
	rt, allow := m.lookup(req.Method, req.Path, ps)
	switch {
	case rt != nil:
		if err := ps.Unescape(); err != nil {
			return textResponse(400, "bad percent-encoding in path: "+err.Error()+"\n")
		}
		req.Params = *ps
		return rt.Handler(req)
	case allow != "" && req.Method == "OPTIONS":
		return &Response{Status: 204, Header: Header{{Name: "Allow", Value: allow}}}
	case allow != "":
		return &Response{Status: 405, Header: Header{{Name: "Allow", Value: allow}}}
	}
	if to, ok := slashRedirect(m, req.Method, req.Path, ps); ok {
		status := 308
		if req.Method == "GET" || req.Method == "HEAD" {
			status = 301
		}
		if req.RawQuery != "" {
			to += "?" + req.RawQuery
		}
		return &Response{Status: status, Header: Header{{Name: "Location", Value: to}}}
	}
	return &Response{Status: 404}
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
