package main

import "strings"

// handle decides the answer to one request with a plain if/else chain, one
// branch per route. It is the simplest dispatch that works, and its
// repetition (every branch re-tests the method, the prefix is written
// twice) is on purpose: the next stage replaces it with a router.
//
// A handler sees only the parsed request and returns a response; it never
// touches the connection, so framing, keep-alive and errors stay the serve
// loop's business.
func handle(req *Request) *Response {
	var resp *Response
	if req.Method == "GET" && req.Path == "/" {
		resp = &Response{Status: 200}
	} else if req.Method == "GET" && strings.HasPrefix(req.Path, "/echo/") {
		// The path is echoed raw: "/echo/a%20b" answers "a%20b".
		// Percent-decoding comes with path parameters in a later stage.
		resp = textResponse(200, strings.TrimPrefix(req.Path, "/echo/"))
	} else if req.Method == "GET" && req.Path == "/user-agent" {
		resp = textResponse(200, req.Header.Get("User-Agent"))
	} else {
		resp = &Response{Status: 404}
	}
	return resp
}
