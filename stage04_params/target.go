package main

// The request-target (RFC 9112 §3.2), the second word of the request
// line, in the three forms a server receives:
//
//   - origin-form, "/echo/abc?x=1": a path and an optional query, what a
//     client sends to the server it talks to directly (§3.2.1);
//   - absolute-form, "http://localhost:4221/echo/abc": the whole URL, what a
//     client sends to a proxy, and which every server MUST accept too
//     (§3.2.2), so that proxies can one day stop rewriting it;
//   - asterisk-form, "*", only in "OPTIONS *": a question about the server
//     as a whole rather than one of its resources (§3.2.4).
//
// The fourth form, authority-form ("host:port"), exists only for CONNECT,
// a method for proxies; this server refuses it like any other target it
// cannot read.

import "strings"

// parseTarget checks r.Target and splits it into Path and RawQuery, and,
// for the absolute form, the authority (host and port) that checkHost
// compares with Host. Space and control characters never get this far
// (readLine and the split on spaces saw to that). Bytes from 0x80 up must
// be percent-encoded (RFC 3986 §2.1), and a fragment is never sent
// (RFC 9110 §4.2.5), so both are refused.
func (r *Request) parseTarget() error {
	t := r.Target
	if strings.ContainsAny(t, "#") || !isASCII(t) {
		return ErrTarget
	}
	switch {
	case t == "*":
		if r.Method != "OPTIONS" {
			return ErrTarget // the asterisk-form only exists for OPTIONS
		}
		r.Path = "*"
		return nil
	case strings.HasPrefix(t, "/"):
	default:
		authority, rest, err := splitAbsolute(t)
		if err != nil {
			return err
		}
		r.authority, t = authority, rest
	}
	r.Path, r.RawQuery, _ = strings.Cut(t, "?")
	return nil
}

// splitAbsolute splits an absolute-form target, "http://host:port/path?q",
// into its authority, "host:port", and the origin-form rest, "/path?q";
// a URL without a path, "http://host?q", has the path "/" (RFC 9110
// §4.2.1). The scheme must be http or https, in any case (RFC 3986 §3.1),
// and the authority a host with an optional port: userinfo ("user@") is
// refused, as RFC 9110 §4.2.4 advises, because it is how a link hides
// where it really goes.
func splitAbsolute(t string) (authority, rest string, err error) {
	scheme, after, ok := strings.Cut(t, "://")
	if !ok || !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return "", "", ErrTarget
	}
	end := strings.IndexAny(after, "/?")
	if end < 0 {
		end = len(after)
	}
	authority, rest = after[:end], after[end:]
	if authority == "" || strings.Contains(authority, "@") || !validHost(authority) {
		return "", "", ErrTarget
	}
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return authority, rest, nil
}

// isASCII reports whether s holds only bytes below 0x80.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
