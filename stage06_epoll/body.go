package main

// The body of a request. On the earlier stages' goroutines, a handler read
// a body from the connection as it arrived, through a reader that stopped
// at the body's end. A handler on the loop cannot wait for bytes, so the
// loop takes every body as it arrives and keeps the ones a handler wants
// (see bodies.go): a JSON body in Body, an upload in a file, which
// BodyReader returns. The reader over the connection, and the serve loop's
// ReadBody and DiscardBody, are gone.

import (
	"bytes"
	"fmt"
	"io"
)

// wrapBody adds the context "read body" to every error but the end.
func wrapBody(err error) error {
	if err == io.EOF {
		return err
	}
	return fmt.Errorf("read body: %w", err)
}

// BodyReader returns the body, for a handler that processes it piece by
// piece, as stage 4's upload does: the file the loop kept it in, or Body.
func (r *Request) BodyReader() io.Reader {
	if r.body == nil {
		return bytes.NewReader(r.Body)
	}
	return r.body
}
