package main

// Two header fields that ask something of the server beyond framing. Host
// names the server a request is for, and an HTTP/1.1 request must carry it
// exactly once (RFC 9112 §3.2): ReadRequestHead checks it. Expect:
// 100-continue asks leave to send the body (RFC 9110 §10.1.1): the serve
// loop asks ExpectsContinue between the head and the body, and
// ReadRequestHead refuses any other expectation.

import "strings"

// checkHost enforces RFC 9112 §3.2: exactly one Host in an HTTP/1.1
// request, at most one in HTTP/1.0, and a value a host could have.
//
// A request in absolute form names its host twice, and the client must
// send the same in both (RFC 9112 §3.2). RFC 9112 §3.2.2 tells a server to
// believe the target and ignore Host; this one, like Kestrel, refuses a
// request whose two hosts disagree, since a client that sends two can be
// trying to be two sites at once.
//
// It counts the Host fields rather than collect them with Values, which
// would cost an allocation on every request.
func (r *Request) checkHost() error {
	n, host := r.Header.count("Host"), r.Header.Get("Host")
	switch {
	case n > 1:
		return ErrMultipleHost
	case n == 0 && r.Version == "HTTP/1.1":
		return ErrMissingHost
	case n == 1 && !validHost(host):
		return ErrInvalidHost
	case n == 1 && r.authority != "" && !strings.EqualFold(host, r.authority):
		return ErrHostMismatch
	}
	return nil
}

// validHost reports whether s uses only characters a Host value can hold:
// uri-host [ ":" port ] (RFC 9110 §7.2), where the host is a name, an IPv4
// address or a bracketed IP literal (RFC 3986 §3.2.2). It checks the
// character set, not the full grammar. An empty value is valid.
func validHost(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("-._~!$&'()*+,;=:%[]", rune(c)) {
			return false
		}
	}
	return true
}

// checkExpect refuses an expectation the server cannot meet. The only one
// HTTP defines is 100-continue; RFC 9110 §10.1.1 lets a server answer any
// other with 417 Expectation Failed, and this one does, rather than
// pretend it met a condition it does not know.
func (r *Request) checkExpect() error {
	for _, e := range splitList(r.Header.Values("Expect")) {
		if !strings.EqualFold(e, "100-continue") {
			return ErrExpectation
		}
	}
	return nil
}

// ExpectsContinue reports whether the client waits for "100 Continue"
// before it sends the body (RFC 9110 §10.1.1). Only an HTTP/1.1 request
// with a body can; RFC 9110 tells a server to ignore the expectation in an
// HTTP/1.0 request.
func (r *Request) ExpectsContinue() bool {
	if r.Version != "HTTP/1.1" || (!r.chunked && r.contentLength == 0) {
		return false
	}
	return r.Header.hasToken("Expect", "100-continue")
}
