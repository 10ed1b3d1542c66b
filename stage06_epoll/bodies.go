//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

// Request bodies on the loop. The earlier stages' handlers read a body
// as it arrives, from the connection (BodyReader), and the serve loop
// drops what they leave. A handler on the loop cannot wait for bytes, so
// the loop takes the body as it arrives and runs the handler once it is
// all there. Where the body goes meanwhile, its sink, is decided from the
// head, before a byte of it is kept:
//
//   - a JSON body for a route, which its handler decodes whole, goes into
//     memory, as stage 5's serve loop reads it (ReadBody); MaxBodyBytes
//     bounds it;
//   - any other body for a route of a method whose content means
//     something, POST, PUT or PATCH (RFC 9110 §9.3), which its handler
//     may read, an upload's say, goes to a temporary file, which the
//     handler then reads as it would have read the connection: nginx
//     keeps large bodies the same way (client_body_temp_path);
//   - every other body is dropped as it arrives, as the earlier stages'
//     DiscardBody drops what no handler reads.

import (
	"io"
	"os"
)

// bodySink takes a request's body as it arrives. Once the body is
// complete, done hands it to the request, for the handler to find in
// Body or through BodyReader; close frees what the sink holds, after the
// handler, or when the body never completes.
type bodySink interface {
	io.Writer
	done(req *Request) error
	close()
}

// chooseSink decides where a request's body goes, from its head.
func (l *loop) chooseSink(req *Request) bodySink {
	switch {
	case l.cfg.needsBody != nil && l.cfg.needsBody(req):
		return &memorySink{}
	case l.cfg.readsBody != nil && l.cfg.readsBody(req):
		return &fileSink{}
	}
	return discardSink{}
}

// takesContent reports whether content in a request of this method has a
// meaning, which a handler may act on: POST, PUT and PATCH (RFC 9110
// §9.3). GET, HEAD, DELETE and OPTIONS content has none.
func takesContent(method string) bool {
	return method == "POST" || method == "PUT" || method == "PATCH"
}

// RoutesContent reports whether req goes to a route, with a method whose
// content means something: the bodies the loop keeps for a handler to
// read (fileSink).
func (rt *Router) RoutesContent(req *Request) bool {
	var ps Params
	route, _ := rt.m.lookup(req.Method, req.Path, &ps)
	return route != nil && takesContent(req.Method)
}

// discardSink drops a body as it arrives.
type discardSink struct{}

func (discardSink) Write(p []byte) (int, error) { return len(p), nil }
func (discardSink) done(req *Request) error     { req.body = nil; return nil }
func (discardSink) close()                      {}

// memorySink keeps a body in memory, and hands it over as req.Body, as
// ReadBody does.
type memorySink struct{ buf []byte }

func (s *memorySink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

func (s *memorySink) done(req *Request) error {
	req.Body, req.body = s.buf, nil
	return nil
}

func (s *memorySink) close() { s.buf = nil }

// fileSink keeps a body in a temporary file, unlinked as soon as it is
// created so that nothing is left behind however the process ends, and
// hands it over as the request's body reader.
type fileSink struct {
	f *os.File
	n int64
}

func (s *fileSink) Write(p []byte) (int, error) {
	if s.f == nil {
		f, err := os.CreateTemp("", "httpworkbook-body-*")
		if err != nil {
			return 0, err
		}
		os.Remove(f.Name())
		s.f = f
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	return n, err
}

func (s *fileSink) done(req *Request) error {
	req.body = nil
	if s.f == nil {
		return nil // an empty body
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	req.body = io.LimitReader(s.f, s.n)
	return nil
}

func (s *fileSink) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}
