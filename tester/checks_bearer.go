package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// apiBearerToken is the api-bearer-token check: the server was started
// with a token file of two lines. On one connection: POST /users without a
// token, with another scheme and with a wrong token, each refused; with the
// second line's token, created; renamed with the first line's token and
// the scheme in lower case; read without a token; and deleted, refused
// without a token and done with one.
func apiBearerToken(t *T) error {
	return t.withFlags("api-bearer-token", func() error {
		c, err := t.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		body, _ := json.Marshal(map[string]string{"name": t.randomWord()})
		for _, tc := range []struct{ what, auth string }{
			{"no Authorization header", ""},
			{"Basic credentials, another scheme", "Basic dXNlcjpwYXNz"},
		} {
			resp, req, err := t.authCall(c, "POST", "/users", tc.auth, body, 401)
			if err == nil {
				err = t.expectBearerChallenge(req, resp, false)
			}
			if err == nil {
				err = expectJSONError(resp, req)
			}
			if err != nil {
				return annotate(err, "the POST /users carried "+tc.what+"; the server was started with --token-file", "")
			}
		}
		if err := t.wrongToken(c, body); err != nil {
			return err
		}
		return t.tokensAccepted(c, body)
	})
}

// authCall sends method target with the Authorization value auth, if any,
// and checks the status; code 0 leaves it to the caller, and the line that
// repeats the request then expects what a correct server answers, ok.
func (t *T) authCall(c *conn, method, target, auth string, body []byte, code int, ok ...int) (*response, []byte, error) {
	var h []string
	if body != nil {
		h = append(h, jsonHeaders...)
	}
	if auth != "" {
		h = append(h, "Authorization: "+auth)
	}
	req := request(method, target, h, body)
	if code != 0 {
		ok = []int{code}
	}
	t.reproduceHTTP(t.curl(method, target, h, body), ok...)
	resp, err := t.exchange(c, req, want{code: code})
	return resp, req, err
}

// wrongToken sends the first token cut short, as a token that is part of a
// real one: it must be refused, with error="invalid_token" advised.
func (t *T) wrongToken(c *conn, body []byte) error {
	bad := apiTokens[0][:len(apiTokens[0])/2]
	resp, req, err := t.authCall(c, "POST", "/users", "Bearer "+bad, body, 0, 401, 403)
	if err != nil {
		return err
	}
	switch {
	case resp.code/100 == 2:
		return &failure{Summary: fmt.Sprintf("a wrong token, %q, the first half of a real one, was accepted: %s", bad, resp.statusLine()), Sent: req, Got: resp.raw,
			Hint: "compare the token whole with each token of the file, never as a prefix or a substring of the file"}
	case resp.code != 401:
		return t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("a wrong token was refused with %d, not 401", resp.code), Section: "RFC 6750 §3.1",
			Why: "a token that is not valid gets 401 with error=\"invalid_token\", so that the client knows to get another"})
	}
	if err := t.expectBearerChallenge(req, resp, true); err != nil {
		return annotate(err, "the POST /users carried a wrong token", "")
	}
	return nil
}

// tokensAccepted uses both tokens of the file, the second to create a
// user and the first, with the scheme in lower case, to rename it; reading
// needs none, and deleting needs one.
func (t *T) tokensAccepted(c *conn, body []byte) error {
	resp, req, err := t.authCall(c, "POST", "/users", "Bearer "+apiTokens[1], body, 201)
	if err != nil {
		return annotate(err, fmt.Sprintf("the token %q is the second line of the file", apiTokens[1]),
			"read every line of --token-file, and take a token's + / and = as part of it")
	}
	var u user
	if err := expectJSON(resp, req, &u); err != nil {
		return err
	}
	path := "/users/" + u.ID.String()
	renamed, _ := json.Marshal(map[string]string{"name": t.randomWord()})
	if resp, _, err := t.authCall(c, "PUT", path, "bearer "+apiTokens[0], renamed, 200); err != nil {
		if resp == nil || resp.code != 401 {
			return annotate(err, fmt.Sprintf("the token %q is the first line of the file", apiTokens[0]), "")
		}
		f := asFailure(err)
		f.Section = "RFC 9110 §11.1"
		return annotate(f, `the scheme was "bearer", in lower case: an authentication scheme's name is case-insensitive`,
			"compare the scheme with Bearer without regard to case: bearer and BEARER are Bearer")
	}
	resp, req, err = t.authCall(c, "GET", path, "", nil, 0, 200)
	if err != nil {
		return err
	}
	if resp.code == 401 {
		if err := t.adviseAbout(req, resp, warning{Summary: "GET " + path + " asked for a token", Section: "stages/05-json.md#api-middleware",
			Why: "the card guards the routes that change users; reading stays open"}); err != nil {
			return err
		}
	}
	if _, _, err := t.authCall(c, "DELETE", path, "", nil, 401); err != nil {
		return annotate(err, "the DELETE carried no token", "require a token on every route that changes users: POST /users, and PUT and DELETE /users/{id}")
	}
	_, _, err = t.authCall(c, "DELETE", path, "Bearer "+apiTokens[1], nil, 204)
	return err
}

// expectBearerChallenge requires a 401 to carry WWW-Authenticate with a
// Bearer challenge and its auth-params; the error attribute is advised
// when a token was sent, and advised against when none was.
func (t *T) expectBearerChallenge(req []byte, resp *response, tokenSent bool) error {
	values := resp.header("WWW-Authenticate")
	if len(values) == 0 {
		return &failure{Summary: "the 401 has no WWW-Authenticate header", Section: "RFC 9110 §15.5.2", Sent: req, Got: resp.raw,
			Hint: `a 401 must say how to authenticate: WWW-Authenticate: Bearer realm="..."`}
	}
	ch, ok := findChallenge(parseChallenges(values), "Bearer")
	switch {
	case !ok:
		return &failure{Summary: fmt.Sprintf("WWW-Authenticate: %s has no Bearer challenge", strings.Join(values, ", ")), Section: "RFC 6750 §3", Sent: req, Got: resp.raw,
			Hint: `challenge for the scheme the route accepts: WWW-Authenticate: Bearer realm="..."`}
	case len(ch.params) == 0:
		return &failure{Summary: "the Bearer challenge has no auth-param: it must be followed by one, such as realm=\"users\"", Section: "RFC 6750 §3", Sent: req, Got: resp.raw,
			Hint: `add a realm, the name of what the token protects: WWW-Authenticate: Bearer realm="users"`}
	case tokenSent && ch.params["error"] != "invalid_token":
		return t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("the challenge to a wrong token says error=%q, not error=\"invalid_token\"", ch.params["error"]), Section: "RFC 6750 §3",
			Why: "a request whose token failed should hear why, so that the client gets a new token rather than retry"})
	case !tokenSent && ch.params["error"] != "":
		return t.adviseAbout(req, resp, warning{Summary: fmt.Sprintf("the challenge to a request without a bearer token says error=%q", ch.params["error"]), Section: "RFC 6750 §3",
			Why: "a client that sent no token may not have known it needed one: it gets the bare challenge, without an error code"})
	}
	return nil
}

// challenge is one challenge of WWW-Authenticate: a scheme and its
// auth-params, names lower-cased (RFC 9110 §11.3).
type challenge struct {
	scheme string
	params map[string]string
}

// findChallenge returns the challenge for scheme, compared without regard
// to case (RFC 9110 §11.1).
func findChallenge(cs []challenge, scheme string) (challenge, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.scheme, scheme) {
			return c, true
		}
	}
	return challenge{}, false
}

// parseChallenges reads WWW-Authenticate values, a comma-separated list
// in which an element is either a new challenge, a scheme and perhaps its
// first auth-param or a token68, or one more auth-param of the challenge
// before it (RFC 9110 §11.6.1).
func parseChallenges(values []string) []challenge {
	var cs []challenge
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			elem = strings.TrimSpace(elem)
			word := elem[:len(elem)-len(strings.TrimLeft(elem, tchars))]
			rest := strings.TrimLeft(elem[len(word):], " \t")
			switch {
			case word == "":
			case strings.HasPrefix(rest, "=") && len(cs) > 0:
				cs[len(cs)-1].params[strings.ToLower(word)] = unquote(strings.TrimSpace(rest[1:]))
			default:
				c := challenge{scheme: word, params: map[string]string{}}
				if name, value, ok := strings.Cut(rest, "="); ok && strings.Trim(value, "=") != "" && strings.TrimLeft(name, tchars) == "" {
					c.params[strings.ToLower(strings.TrimSpace(name))] = unquote(strings.TrimSpace(value))
				} else if rest != "" {
					c.params[""] = rest // a token68
				}
				cs = append(cs, c)
			}
		}
	}
	return cs
}

// tchars are the characters of a token (RFC 9110 §5.6.2).
const tchars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// splitQuoted splits s at sep outside quoted strings.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	inQuote, escaped, from := false, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			parts = append(parts, s[from:i])
			from = i + 1
		}
	}
	return append(parts, s[from:])
}

// unquote returns a quoted-string's content, or s itself if it is a token.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
