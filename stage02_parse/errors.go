package main

// StatusError is a request error that the server answers with an error
// response. Every sentinel error below is a *StatusError, so the serve loop
// needs a single errors.As to turn any of them, however deeply wrapped with
// context, into a status and a message, and tests can still name the exact
// cause with errors.Is.
type StatusError struct {
	Status int    // the response status, such as 400
	Msg    string // a short explanation, sent as the response body
}

// Error returns the explanation, without the status.
func (e *StatusError) Error() string { return e.Msg }

// The sentinel errors of the parser, one per way a request can be refused.
// The status each one carries says whose fault it is: 4xx for a request
// the client should not have sent, 5xx for a valid request this server
// does not implement.
var (
	// ErrRequestLine means the request line is not three words separated
	// by single spaces, the method is not a token, or the line holds a
	// control character (RFC 9112 §3).
	ErrRequestLine = &StatusError{400, "malformed request line"}
	// ErrTarget means a request-target in none of the forms of target.go:
	// not a path ("/path" with an optional "?query", RFC 9112 §3.2.1), not
	// an http or https URL (§3.2.2), and not the "*" of "OPTIONS *"
	// (§3.2.4).
	ErrTarget = &StatusError{400, "request target must be a path such as /echo/abc"}
	// ErrMethodTooLong means a method that did not end within
	// MaxHeaderBytes: longer than any this server implements, which RFC
	// 9112 §3 answers with 501.
	ErrMethodTooLong = &StatusError{501, "method too long: not one this server implements"}
	// ErrURITooLong means a request-target that did not end within
	// MaxHeaderBytes, which RFC 9112 §3 requires a server to answer with
	// 414 (RFC 9110 §15.5.15).
	ErrURITooLong = &StatusError{414, "request target too long"}
	// ErrVersion means the version is not of the form HTTP/d.d at all
	// (RFC 9112 §2.3), so it is a malformed request rather than one of an
	// unsupported version.
	ErrVersion = &StatusError{400, "malformed HTTP version"}
	// ErrUnsupportedVersion means a well-formed version of another major
	// version than HTTP/1 (RFC 9110 §15.6.6).
	ErrUnsupportedVersion = &StatusError{505, "HTTP version not supported"}
	// ErrLineEnding means a line ended in a bare LF instead of CRLF.
	ErrLineEnding = &StatusError{400, "line does not end in CRLF"}
	// ErrHeaderLine means a field line is not name ":" value: no colon, an
	// empty name or one that is not a token, or a line starting with
	// whitespace (obsolete line folding, which RFC 9112 §5.2 lets a server
	// reject with 400).
	ErrHeaderLine = &StatusError{400, "malformed header field"}
	// ErrSpaceBeforeColon means whitespace between a field name and its
	// colon, which RFC 9112 §5.1 requires a server to reject with 400:
	// intermediaries disagree on what such a name means.
	ErrSpaceBeforeColon = &StatusError{400, "whitespace between header field name and colon"}
	// ErrControlChar means a header or trailer field line holds a control
	// character other than HTAB, such as NUL or a CR not followed by LF
	// (RFC 9110 §5.5, RFC 9112 §2.2).
	ErrControlChar = &StatusError{400, "control character in header field"}
	// ErrHeaderTooLarge means the header section, or a chunked body's
	// trailer section, is larger than MaxHeaderBytes.
	ErrHeaderTooLarge = &StatusError{431, "request header fields too large"}
	// ErrMissingHost means an HTTP/1.1 request without a Host field, which
	// RFC 9112 §3.2 requires a server to reject with 400.
	ErrMissingHost = &StatusError{400, "missing Host header"}
	// ErrMultipleHost means more than one Host field line (RFC 9112 §3.2).
	ErrMultipleHost = &StatusError{400, "more than one Host header"}
	// ErrInvalidHost means a Host value with characters no host and port
	// can contain (RFC 9110 §7.2, RFC 3986 §3.2.2).
	ErrInvalidHost = &StatusError{400, "invalid Host header"}
	// ErrHostMismatch means an absolute-form target whose host is not the
	// one in Host (RFC 9112 §3.2).
	ErrHostMismatch = &StatusError{400, "Host does not match the host in the request target"}
	// ErrExpectation means an Expect field with an expectation other than
	// 100-continue (RFC 9110 §10.1.1, §15.5.18).
	ErrExpectation = &StatusError{417, "unsupported expectation: only 100-continue is understood"}
	// ErrContentLength means a Content-Length that is not a decimal
	// number, overflows int64, or disagrees with another Content-Length in
	// the same request (RFC 9110 §8.6, RFC 9112 §6.3).
	ErrContentLength = &StatusError{400, "invalid Content-Length"}
	// ErrLengthAndEncoding means both Transfer-Encoding and Content-Length.
	// RFC 9112 §6.3 lets a server reject such a request; this one does,
	// because two framings that disagree are how request smuggling works.
	ErrLengthAndEncoding = &StatusError{400, "both Transfer-Encoding and Content-Length"}
	// ErrTransferEncoding means a Transfer-Encoding whose framing cannot be
	// trusted: empty, chunked applied twice, or sent in an HTTP/1.0 request
	// (RFC 9112 §6.1).
	ErrTransferEncoding = &StatusError{400, "invalid Transfer-Encoding"}
	// ErrUnsupportedCoding means a transfer coding other than chunked,
	// which RFC 9112 §6.1 says to answer with 501.
	ErrUnsupportedCoding = &StatusError{501, "unsupported transfer coding"}
	// ErrChunk means a chunked body that breaks the syntax of RFC 9112
	// §7.1: a chunk size that is not hexadecimal, junk after it, or chunk
	// data not followed by CRLF.
	ErrChunk = &StatusError{400, "malformed chunked body"}
	// ErrBodyTooLarge means a body larger than MaxBodyBytes.
	ErrBodyTooLarge = &StatusError{413, "request body too large"}
)
