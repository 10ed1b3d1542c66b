package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenFile writes content to a token file and returns its path.
func tokenFile(t *testing.T, content string) string {
	path := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestTokenSetLoad(t *testing.T) {
	var ts tokenSet
	require.NoError(t, ts.load(tokenFile(t, "# for the tests\nk7Q-2vX.9_zL~b\r\n\n  Ada+Lovelace/1843=  \n")))
	assert.Len(t, ts.digests, 2)
	assert.True(t, ts.holds("k7Q-2vX.9_zL~b"), "a line ending in CRLF")
	assert.True(t, ts.holds("Ada+Lovelace/1843="), "the second line, spaces trimmed")
	assert.False(t, ts.holds("k7Q-2vX"), "a prefix of a token is not a token")
	assert.False(t, ts.holds("k7Q-2vX.9_zL~bX"), "nor is a token with more after it")
	assert.False(t, ts.holds(""))

	var empty tokenSet
	require.NoError(t, empty.load(""), "no -token-file")
	assert.Empty(t, empty.digests)

	for content, msg := range map[string]string{
		"":                     "holds no token",
		"# only a comment\n\n": "holds no token",
		"good\nnot one\n":      ":2: not a bearer token",
		"a=b\n":                ":1: not a bearer token",
	} {
		var ts tokenSet
		assert.ErrorContains(t, ts.load(tokenFile(t, content)), msg, "%q", content)
	}
	assert.Error(t, new(tokenSet).load(filepath.Join(t.TempDir(), "missing")))
}

func TestBearerToken(t *testing.T) {
	for _, tt := range []struct {
		values []string
		token  string // "" means refused
	}{
		{[]string{"Bearer k7Q-2vX.9_zL~b"}, "k7Q-2vX.9_zL~b"},
		{[]string{"bearer abc"}, "abc"},
		{[]string{"BEARER  abc=="}, "abc=="},
		{nil, ""},
		{[]string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, ""},
		{[]string{"Bearer"}, ""},
		{[]string{"Bearer "}, ""},
		{[]string{"Bearer a b"}, ""},
		{[]string{"Bearer ==="}, ""},
		{[]string{"Bearer abc", "Bearer abc"}, ""},
	} {
		tok, err := bearerToken(tt.values)
		if tt.token == "" {
			assert.ErrorIs(t, err, errNoBearer, "%q", tt.values)
			continue
		}
		require.NoError(t, err, "%q", tt.values)
		assert.Equal(t, tt.token, tok)
	}
}

// TestUsersNeedTokens loads tokens into the application's set: the routes
// that change users answer 401 without one, with the challenge RFC 6750 §3
// asks for, and reading stays open.
func TestUsersNeedTokens(t *testing.T) {
	saved := tokens.digests
	t.Cleanup(func() { tokens.digests = saved })
	require.NoError(t, tokens.load(tokenFile(t, "k7Q-2vX.9_zL~b\n")))
	h := app.Handler()

	post := func(auth string) *Response {
		req := withHeaders(request("POST", "/users"), "Content-Type", "application/json")
		if auth != "" {
			req.Header.Add("Authorization", auth)
		}
		req.Body = []byte(`{"name":" "}`)
		return h(req)
	}
	resp := post("")
	assert.Equal(t, 401, resp.Status)
	assert.Equal(t, `Bearer realm="users"`, resp.Header.Get("WWW-Authenticate"))
	var e map[string]string
	require.NoError(t, json.Unmarshal(resp.Body, &e))
	assert.Contains(t, e["error"], "Authorization: Bearer")

	resp = post("Basic YWxhZGRpbjpvcGVuc2VzYW1l")
	assert.Equal(t, 401, resp.Status)
	assert.Equal(t, `Bearer realm="users"`, resp.Header.Get("WWW-Authenticate"), "another scheme gets no error code")

	resp = post("Bearer k7Q-2vX")
	assert.Equal(t, 401, resp.Status)
	assert.Equal(t, `Bearer realm="users", error="invalid_token"`, resp.Header.Get("WWW-Authenticate"))

	// A good token reaches the handler, which refuses the blank name: the
	// test leaves the application's store empty, as TestAppRoutes needs.
	resp = post("bearer k7Q-2vX.9_zL~b")
	assert.Equal(t, 400, resp.Status, "past the token, the scheme's name in any case")
	assert.Contains(t, string(resp.Body), "must not be blank")

	id := "/users/1"
	for _, method := range []string{"PUT", "DELETE"} {
		req := withHeaders(request(method, id), "Content-Type", "application/json")
		req.Body = []byte(`{"name":"Grace"}`)
		assert.Equal(t, 401, h(req).Status, method)
	}
	assert.Equal(t, 200, h(request("GET", "/users")).Status, "GET needs no token")
	assert.Equal(t, 404, h(request("GET", id)).Status, "GET /users/:id needs none either")
	assert.Equal(t, 405, h(request("PATCH", "/users")).Status, "a method no route has is 405, token or not")
}

// FuzzBearerToken checks that any Authorization value is either refused
// or yields a token of RFC 6750's syntax that the same field, written
// again, yields once more.
func FuzzBearerToken(f *testing.F) {
	for _, seed := range []string{"Bearer k7Q-2vX.9_zL~b", "bearer a==", "Basic x", "Bearer", "Bearer  a b", "", "Bearer ="} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		tok, err := bearerToken([]string{value})
		if err != nil {
			return
		}
		require.True(t, isB64Token(tok), "%q gave %q", value, tok)
		again, err := bearerToken([]string{"Bearer " + tok})
		require.NoError(t, err)
		require.Equal(t, tok, again)
	})
}
