package main

import "strings"

// app is the server's route table. Each handler below registers itself on
// the line above its declaration, as a Python decorator would: Go runs
// these var initialisers before main, after app itself, because they refer
// to it. main adds the middleware and serves app.Handler().
//
// A handler sees only the parsed request and returns a response; it never
// touches the connection, so framing, keep-alive and errors stay the serve
// loop's business.
var app = NewRouter()

var _ = app.GET("/", root)

func root(req *Request) *Response {
	return &Response{Status: 200}
}

// The static table cannot hold a route per word, so /echo/{str} is the
// stage's one prefix route: it matches every path that starts with
// "/echo/". The path is echoed raw: "/echo/a%20b" answers "a%20b", and
// "/echo/a/b" answers "a/b". Percent-decoding comes with path parameters
// in the next stage.
var _ = app.GET("/echo/{str}", echo)

func echo(req *Request) *Response {
	return textResponse(200, strings.TrimPrefix(req.Path, "/echo/"))
}

var _ = app.GET("/user-agent", userAgent)

func userAgent(req *Request) *Response {
	return textResponse(200, req.Header.Get("User-Agent"))
}
