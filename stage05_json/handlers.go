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
	return textResponse(200, req.Params.Get("msg"))
}

var _ = app.GET("/user-agent", userAgent)

func userAgent(req *Request) *Response {
	return textResponse(200, req.Header.Get("User-Agent"))
}

// The user routes have parameters in the middle of the path as well as at
// its end, and overlap: /users/me is also a path that /users/:id matches.
// The static route wins, whichever is registered first, because the
// router compares routes segment by segment and a static segment beats a
// parameter.
var _ = app.GET("/users/:id", user)

func user(req *Request) *Response {
	return textResponse(200, "user "+req.Params.Get("id"))
}

var _ = app.GET("/users/me", currentUser)

func currentUser(req *Request) *Response {
	return textResponse(200, "current user")
}

var _ = app.GET("/users/:id/posts/:post_id", userPost)

func userPost(req *Request) *Response {
	return textResponse(200, "post "+req.Params.Get("post_id")+" of user "+req.Params.Get("id"))
}
