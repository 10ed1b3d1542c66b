package main

import (
	"io"
	"net/http"
	"strconv"
)

// serveNetHTTP serves the echo route with Go's net/http, a goroutine per
// connection like stage 5, and its ServeMux for the route.
func serveNetHTTP(addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo/{word}", netHTTPEcho)
	s := &http.Server{Addr: addr, Handler: mux}
	return s.ListenAndServe()
}

// netHTTPEcho answers with the word. A nil Date stops net/http adding the
// header, so that it sends the header fields the stages send.
func netHTTPEcho(w http.ResponseWriter, r *http.Request) {
	word := r.PathValue("word")
	h := w.Header()
	h["Date"] = nil
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Length", strconv.Itoa(len(word)))
	io.WriteString(w, word)
}
