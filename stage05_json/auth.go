package main

// Bearer tokens (RFC 6750): a client shows it may change the users by
// sending "Authorization: Bearer <token>" with a token the server was
// given in -token-file. Whoever holds a token may use it; the server only
// checks that it is one of its own. Reading stays open to all.

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
)

// tokens holds the tokens of -token-file. The routes that change users
// register tokens.require when the program starts, before main has read
// the file; require consults the set on each request, and while it is
// empty, without -token-file, lets every request through.
var tokens = &tokenSet{}

// authRealm names the protection space in the challenge (RFC 9110 §11.5):
// a client that holds tokens for several realms knows which one to send.
const authRealm = "users"

// The challenges of a 401 (RFC 6750 §3). A request without a bearer token
// gets the bare challenge: it may not have known that the route needs one,
// and RFC 6750 §3 says not to give it an error code. A token that is not
// one of ours gets error="invalid_token", so that the client knows to get
// another rather than retry.
const (
	challengeNoToken  = `Bearer realm="` + authRealm + `"`
	challengeBadToken = `Bearer realm="` + authRealm + `", error="invalid_token"`
)

// tokenSet is a set of bearer tokens. It keeps their SHA-256 digests, not
// the tokens: comparing two digests in constant time takes the same time
// whatever the lengths of the tokens, where comparing the tokens would
// still tell an attacker how long a real one is.
type tokenSet struct {
	digests [][sha256.Size]byte
}

// load reads path, one token a line, into ts. Spaces around a token and
// blank lines are ignored, and a line starting with # is a comment; each
// token must have the syntax of RFC 6750 §2.1, and the file must hold at
// least one. An empty path loads nothing, and leaves ts empty.
func (ts *tokenSet) load(path string) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for i, line := range strings.Split(string(data), "\n") {
		tok := strings.TrimSpace(line)
		switch {
		case tok == "" || strings.HasPrefix(tok, "#"):
			continue
		case !isB64Token(tok):
			return fmt.Errorf("%s:%d: not a bearer token: a token is letters, digits and - . _ ~ + /, then any = (RFC 6750 §2.1)", path, i+1)
		}
		ts.digests = append(ts.digests, sha256.Sum256([]byte(tok)))
	}
	if len(ts.digests) == 0 {
		return fmt.Errorf("%s holds no token: write one a line", path)
	}
	log.Printf("%d bearer tokens from %s: creating, changing and deleting users needs one", len(ts.digests), path)
	return nil
}

// require answers 401 Unauthorized, with the challenge that says why, to
// a request without one of ts's tokens, and passes any other on to next.
func (ts *tokenSet) require(next Handler) Handler {
	return func(req *Request) *Response {
		if len(ts.digests) == 0 {
			return next(req)
		}
		tok, err := bearerToken(req.Header.Values("Authorization"))
		switch {
		case err != nil:
			return unauthorized(challengeNoToken, err.Error())
		case !ts.holds(tok):
			return unauthorized(challengeBadToken, "the bearer token is not one this server accepts")
		}
		return next(req)
	}
}

// holds reports whether tok is one of ts's tokens. It compares tok's
// digest with every one of them, without stopping at a match, so that
// the time it takes says nothing about which token matched, or how far.
func (ts *tokenSet) holds(tok string) bool {
	d := sha256.Sum256([]byte(tok))
	match := 0
	for _, known := range ts.digests {
		match |= subtle.ConstantTimeCompare(d[:], known[:])
	}
	return match == 1
}

// errNoBearer means a request that carries no bearer token to check.
var errNoBearer = errors.New("this route needs a bearer token: Authorization: Bearer TOKEN")

// bearerToken returns the token of an Authorization field value of the
// form "Bearer <token>" (RFC 6750 §2.1). The scheme's name is
// case-insensitive, as every authentication scheme's is (RFC 9110
// §11.1): "bearer" is Bearer. No field, two fields, another scheme or a
// token of the wrong syntax all mean there is no bearer token to check.
func bearerToken(values []string) (string, error) {
	if len(values) != 1 {
		return "", errNoBearer
	}
	scheme, tok, _ := strings.Cut(values[0], " ")
	tok = strings.TrimLeft(tok, " ")
	if !strings.EqualFold(scheme, "Bearer") || !isB64Token(tok) {
		return "", errNoBearer
	}
	return tok, nil
}

// isB64Token reports whether s has the syntax of a bearer token: at least
// one of the letters, digits and "-._~+/", then any number of "="
// (b64token, RFC 6750 §2.1).
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

// unauthorized is the 401 with challenge in WWW-Authenticate, which a 401
// must carry (RFC 9110 §15.5.2), and msg as its JSON error.
func unauthorized(challenge, msg string) *Response {
	resp := jsonResponse(errorJSON(401, "%s", msg))
	resp.Header.Add("WWW-Authenticate", challenge)
	return resp
}
