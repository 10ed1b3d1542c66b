package main

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

// /echo/:msg is an ordinary route with a parameter: :msg matches one
// whole, non-empty segment, and the router hands its value to the handler
// by name, percent-decoded. "/echo/a%20b" answers "a b"; "/echo/a/b" has
// one segment too many and "/echo/" one too few, so both are 404.
var _ = app.GET("/echo/:msg", echo)

func echo(req *Request) *Response {
	return req.textReply(200, req.Params.Get("msg"))
}

var _ = app.GET("/user-agent", userAgent)

func userAgent(req *Request) *Response {
	return req.textReply(200, req.Header.Get("User-Agent"))
}

// Stage 4's text routes under /users are gone: the users resource of
// users.go, in JSON, has the path /users/:id now.
