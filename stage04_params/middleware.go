package main

import (
	"log"
	"runtime/debug"
	"time"
)

// accessLog logs one line per request once it is answered: method, path,
// status, the body bytes the response sends and the time the handlers
// took. Used outermost, it also logs the 500 that recoverer makes of a
// panic, and its time includes every other middleware.
func accessLog(next Handler) Handler {
	return func(req *Request) *Response {
		start := time.Now()
		resp := next(req)
		sent := resp.BodyLen()
		if req.Method == "HEAD" || !hasContent(resp.Status) {
			sent = 0 // Write leaves the body out
		}
		log.Printf("%s %s %d %dB %s", req.Method, req.Path, resp.Status, sent, time.Since(start))
		return resp
	}
}

// recoverer turns a panic in the handlers it wraps into 500 Internal
// Server Error, and logs the panic with its stack. Without it, a panic in
// any handler ends the whole process, and every client with it. The
// response closes the connection: the handler stopped half way, so this
// server no longer vouches for what it left behind, and a client should
// not queue more requests behind a failure.
func recoverer(next Handler) Handler {
	return func(req *Request) (resp *Response) {
		defer func() {
			if v := recover(); v != nil {
				log.Printf("panic serving %s %s: %v\n%s", req.Method, req.Path, v, debug.Stack())
				resp = textResponse(500, "internal server error\n")
				resp.Close = true
			}
		}()
		return next(req)
	}
}
