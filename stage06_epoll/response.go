package main

import (
	"io"
	"strconv"
)

// Response is an answer the server writes: a status, header fields and a
// body. It knows nothing about connections; the serve loop sets KeepAlive
// and Head, the handlers the rest, and Close is set by either.
type Response struct {
	Status int
	// Header holds the fields to send besides Content-Length and
	// Connection, which Write adds itself and a handler must not set.
	Header Header
	Body   []byte
	// Stream, when not nil, is the body instead of Body: StreamSize bytes,
	// read as the connection takes them, for an answer too large to hold
	// in memory, such as a file. Write closes it, sent or not.
	Stream     io.ReadCloser
	StreamSize int64
	// Feed, when not nil, is the body instead of Body: bytes produced
	// while they are sent, such as events, whose length nobody knows
	// until they end (see stream.go). Write sends only the head of such a
	// response; the serve loop streams the body.
	Feed Feed
	// Chunked says a Feed is framed with the chunked transfer coding
	// (RFC 9112 §7.1). The serve loop sets it for an HTTP/1.1 client; an
	// HTTP/1.0 client does not know the coding, so its Feed runs to the
	// close instead.
	Chunked bool
	// Close says the server closes the connection after this response, so
	// Write adds "Connection: close" (RFC 9112 §9.6) and the client knows
	// not to send another request on it.
	Close bool
	// KeepAlive makes Write add "Connection: keep-alive", which an
	// HTTP/1.0 client needs to hear to reuse the connection
	// (RFC 9112 Appendix C.2.2). Close wins if both are set.
	KeepAlive bool
	// Head says the response answers a HEAD request: Write sends the
	// header section as for GET, Content-Length included, and no body.
	Head bool
}

// textResponse returns a new response with a text/plain body. A handler
// that has the request answers with req.textReply instead, which reuses
// the request's storage.
func textResponse(status int, body string) *Response {
	return &Response{
		Status: status,
		Header: Header{{Name: "Content-Type", Value: "text/plain"}},
		Body:   []byte(body),
	}
}

// replyFields is how many header fields a reply has room for without
// allocating: Content-Type, gzip's Vary and Content-Encoding, and CORS's
// fields when --cors-origin is given.
const replyFields = 8

// replyStorage is what a Request carries for its answer: the Response,
// and room for its fields and body. It is recycled with the Request (see
// input.request), so that answering a request on the loop allocates
// nothing once the room has grown to the loop's usual answers.
type replyStorage struct {
	resp   Response
	fields [replyFields]Field
	body   []byte
}

// reply returns the response to r, for a handler to fill in and return,
// with its status set and nothing else: the Response r carries, not a new
// one. One handler chain gets one reply per request, and it is gone once
// the loop has sent it, which is why a handler must not keep it.
func (r *Request) reply(status int) *Response {
	r.replyStorage.resp = Response{Status: status, Header: r.replyStorage.fields[:0]}
	return &r.replyStorage.resp
}

// textReply is textResponse in r's reply: a text/plain body, copied into
// the room r carries for it.
func (r *Request) textReply(status int, body string) *Response {
	resp := r.reply(status)
	resp.Header.Add("Content-Type", "text/plain")
	r.replyStorage.body = append(r.replyStorage.body[:0], body...)
	resp.Body = r.replyStorage.body
	return resp
}

// Write writes r in wire form: the status line, the fields, an empty line
// and the body. The status line always says HTTP/1.1, even to an HTTP/1.0
// client, because a server sends the highest minor version it supports
// (RFC 9110 §6.2); the client only uses the features its own version has.
//
// Content-Length is written, 0 without a body, because on a
// persistent connection it is the only way the client can tell where this
// response ends and the next begins (RFC 9112 §6.3), unless the body is a
// Feed: then "Transfer-Encoding: chunked" says that the chunks themselves
// mark the end, or, for HTTP/1.0, nothing does but the close. A body without a
// Content-Type gets application/octet-stream, as RFC 9110 §8.3 advises a
// sender to label content rather than let the client guess.
//
// Two kinds of response have no body on the wire. A 1xx or 204 response
// has no content at all: Write sends neither Body nor Content-Length,
// which RFC 9110 §8.6 forbids in them. A response to HEAD has the fields
// GET would get, Content-Type and Content-Length included, and no body
// (RFC 9110 §9.3.2).
//
// A Stream is copied to w with io.CopyN after the head. When w leads to
// a TCP connection and the Stream is a file, the copy is sendfile(2): the
// kernel sends the file from its page cache as the socket drains, and
// the server holds none of it. A Feed is streamed by the serve loop
// (stream.go), chunk by chunk as it is produced: Write sends only its
// head, for a response that has no body to send, such as the answer to
// HEAD, and closes it.
func (r *Response) Write(w io.Writer) error {
	defer r.release()
	b := r.appendHead(nil)
	sendBody := hasContent(r.Status) && !r.Head
	if sendBody {
		b = append(b, r.Body...)
	}
	if _, err := w.Write(b); err != nil || r.Stream == nil || !sendBody {
		return err
	}
	_, err := io.CopyN(w, r.Stream, r.StreamSize)
	return err
}

// appendHead appends r's status line and header section to b.
func (r *Response) appendHead(b []byte) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, ' ')
	b = append(b, StatusText(r.Status)...)
	b = append(b, "\r\n"...)
	for _, f := range r.Header {
		b = appendField(b, f.Name, f.Value)
	}
	content := hasContent(r.Status)
	if content && r.BodyLen() != 0 && r.Header.Get("Content-Type") == "" {
		b = appendField(b, "Content-Type", "application/octet-stream")
	}
	switch {
	case !content:
	case r.Feed == nil:
		b = appendField(b, "Content-Length", strconv.FormatInt(r.BodyLen(), 10))
	case r.Chunked:
		b = appendField(b, "Transfer-Encoding", "chunked")
	}
	if r.Close {
		b = appendField(b, "Connection", "close")
	} else if r.KeepAlive {
		b = appendField(b, "Connection", "keep-alive")
	}
	return append(b, "\r\n"...)
}

// BodyLen returns the length of the body, Body's or the Stream's, or -1
// for a Feed, whose length is unknown.
func (r *Response) BodyLen() int64 {
	if r.Feed != nil {
		return -1
	}
	if r.Stream != nil {
		return r.StreamSize
	}
	return int64(len(r.Body))
}

// release closes the Stream or the Feed of a response once it is
// written, or will never be.
func (r *Response) release() {
	if r.Stream != nil {
		r.Stream.Close()
	}
	if r.Feed != nil {
		r.Feed.Close()
	}
}

// hasContent reports whether a response with this status can have
// content: every status but 1xx, 204 and 304 (RFC 9110 §15.2, §15.3.5,
// §15.4.5). No route answers 304 yet, but a handler that does, for a
// cache's conditional GET, must send no body after its head.
func hasContent(status int) bool {
	return status >= 200 && status != 204 && status != 304
}

// appendField appends one "name: value" field line to b.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// StatusText returns the reason phrase of every status this server sends,
// as RFC 9110 §15 names them, or "" for any other code: the reason phrase
// is only a comment for humans, and RFC 9112 §4 allows it to be empty as
// long as the space before it is there.
func StatusText(status int) string {
	switch status {
	case 100:
		return "Continue"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 204:
		return "No Content"
	case 301:
		return "Moved Permanently"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 409:
		return "Conflict"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 415:
		return "Unsupported Media Type"
	case 417:
		return "Expectation Failed"
	case 429:
		return "Too Many Requests" // RFC 6585 §4
	case 431:
		return "Request Header Fields Too Large" // RFC 6585 §5
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	case 505:
		return "HTTP Version Not Supported"
	case 507:
		return "Insufficient Storage" // RFC 4918 §11.5
	}
	return ""
}
