package main

// Two header fields that ask something of the server beyond framing. Host
// names the server a request is for, and an HTTP/1.1 request must carry it
// exactly once (RFC 9112 §3.2): ReadRequestHead checks it. Expect:
// 100-continue asks leave to send the body (RFC 9110 §10.1.1): the serve
// loop asks ExpectsContinue between the head and the body.

import "strings"

// checkHost enforces RFC 9112 §3.2: exactly one Host in an HTTP/1.1
// request, at most one in HTTP/1.0, and a value a host could have.
func (r *Request) checkHost() error {
	hosts := r.Header.Values("Host")
	switch {
	case len(hosts) > 1:
		return ErrMultipleHost
	case len(hosts) == 0 && r.Version == "HTTP/1.1":
		return ErrMissingHost
	case len(hosts) == 1 && !validHost(hosts[0]):
		return ErrInvalidHost
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

// ExpectsContinue reports whether the client waits for "100 Continue"
// before it sends the body (RFC 9110 §10.1.1). Only an HTTP/1.1 request
// with a body can; RFC 9110 tells a server to ignore the expectation in an
// HTTP/1.0 request. Other expectations are ignored rather than answered
// with 417, which RFC 9110 allows but does not require.
func (r *Request) ExpectsContinue() bool {
	if r.Version != "HTTP/1.1" || (!r.chunked && r.contentLength == 0) {
		return false
	}
	return hasToken(r.Header.Values("Expect"), "100-continue")
}
