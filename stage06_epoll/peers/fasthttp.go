package main

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// serveFasthttp serves the echo route with fasthttp, the server Go users
// pick when they want speed: it parses every request in full and reuses
// its buffers and request objects, so a keep-alive GET allocates nothing.
// The Server and Date headers it adds by default are turned off, so that
// it sends the header fields the stages send.
func serveFasthttp(addr string) error {
	s := &fasthttp.Server{
		Handler:               fasthttpEcho,
		NoDefaultServerHeader: true,
		NoDefaultDate:         true,
	}
	return s.ListenAndServe(addr)
}

// fasthttpEcho answers GET /echo/{word} with the word. fasthttp has no
// router of its own; the one route is matched by hand, as strictly as the
// stages' router matches it: one non-empty segment after /echo/.
func fasthttpEcho(ctx *fasthttp.RequestCtx) {
	word, ok := bytes.CutPrefix(ctx.Path(), []byte("/echo/"))
	if !ok || len(word) == 0 || bytes.IndexByte(word, '/') >= 0 {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		ctx.Error("method not allowed", fasthttp.StatusMethodNotAllowed)
		return
	}
	ctx.SetContentType("text/plain")
	ctx.SetBody(word)
}
