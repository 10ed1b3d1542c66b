package main

import (
	"log"
	"runtime/debug"
	"strconv"
	"time"
)

// accessLog logs one line per request once it is answered: method, path,
// status, the body bytes the response sends ("streamed" for a Feed) and
// the time the handlers took. Used outermost, it also logs the 500 that recoverer makes of a
// panic, and its time includes every other middleware.
func accessLog(next Handler) Handler {
	return func(req *Request) *Response {
		start := time.Now()
		resp := next(req)
		sent := strconv.FormatInt(resp.BodyLen(), 10) + "B"
		switch {
		case req.Method == "HEAD" || !hasContent(resp.Status):
			sent = "0B" // Write leaves the body out
		case resp.Feed != nil:
			sent = "streamed" // its length is known only at its end
		}
		log.Printf("%s %s %d %s %s", req.Method, req.Path, resp.Status, sent, time.Since(start))
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
				resp = jsonResponse(errorJSON(500, "internal server error"))
				resp.Close = true
			}
		}()
		return next(req)
	}
}
