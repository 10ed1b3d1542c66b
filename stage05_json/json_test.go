package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withBody builds a request as the parser would leave it, with a body and,
// unless contentType is "", a Content-Type.
func withBody(method, target, contentType, body string) *Request {
	r := request(method, target)
	if contentType != "" {
		r.Header.Add("Content-Type", contentType)
	}
	if body != "" {
		r.Body = []byte(body)
	}
	return r
}

func TestJSONAdapter(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		v          any
		wantStatus int
		wantBody   string // "" for no body, and then no Content-Type
	}{
		{"an object", 200, User{ID: 1, Name: "Ada"}, 200, `{"id":1,"name":"Ada"}` + "\n"},
		{"a status of the handler's choice", 201, map[string]int{"n": 2}, 201, `{"n":2}` + "\n"},
		{"an empty list is [], not null", 200, []User{}, 200, "[]\n"},
		{"nil is no body", 204, nil, 204, ""},
		{"an error", 404, &APIError{404, "user 42 not found"}, 404, `{"error":"user 42 not found"}` + "\n"},
		{"a value JSON cannot encode is a 500", 200, make(chan int), 500, `{"error":"internal server error"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			captureLog(t)
			resp := JSON(func(*Request) (int, any) { return tt.status, tt.v })(request("GET", "/"))
			assert.Equal(t, tt.wantStatus, resp.Status)
			assert.Equal(t, tt.wantBody, string(resp.Body))
			if tt.wantBody == "" {
				assert.Empty(t, resp.Header)
			} else {
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			}
		})
	}
}

func TestErrorJSON(t *testing.T) {
	status, v := errorJSON(404, "user %d not found", 42)
	assert.Equal(t, 404, status)
	assert.Equal(t, &APIError{404, "user 42 not found"}, v)

	resp := jsonResponse(status, v)
	assert.JSONEq(t, `{"error": "user 42 not found"}`, string(resp.Body), "one shape for every error, without the status")
}

func TestRouterErrorsAreJSON(t *testing.T) {
	tests := []struct {
		name      string
		resp      *Response
		status    int
		allow     string
		errorText string
	}{
		{"404", notFoundJSON(request("GET", "/nope")), 404, "", "no resource at /nope"},
		{"405", methodNotAllowedJSON("GET, HEAD, OPTIONS, POST"), 405, "GET, HEAD, OPTIONS, POST", "method not allowed; this path allows GET, HEAD, OPTIONS, POST"},
		{"400", badRequestJSON(`bad percent-encoding in path: parameter id: invalid URL escape "%zz"`), 400, "", `bad percent-encoding in path: parameter id: invalid URL escape "%zz"`},
		{"a parser error", statusErrorJSON(ErrBodyTooLarge), 413, "", "request body too large"},
		{"another", statusErrorJSON(ErrUnsupportedVersion), 505, "", "HTTP version not supported"},
		// statusErrorJSON knows no status by name: one added to the parser
		// later is JSON too, whatever it is.
		{"a status added later", statusErrorJSON(&StatusError{414, "request target too long"}), 414, "", "request target too long"},
		{"and another", statusErrorJSON(&StatusError{417, "only 100-continue"}), 417, "", "only 100-continue"},
		{"a 5xx", statusErrorJSON(&StatusError{503, "too many connections"}), 503, "", "too many connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, tt.resp.Status)
			assert.Equal(t, "application/json", tt.resp.Header.Get("Content-Type"))
			assert.Equal(t, tt.allow, tt.resp.Header.Get("Allow"))
			assert.JSONEq(t, fmt.Sprintf(`{"error": %q}`, tt.errorText), string(tt.resp.Body))
		})
	}
}

// TestDecodeJSON goes through every way decodeJSON refuses a body, with
// the message the client reads. Byte offsets count from 0.
func TestDecodeJSON(t *testing.T) {
	const ct = "application/json"
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int // 0: accepted
		msg         string
	}{
		{"a valid body", ct, `{"name": "Ada"}`, 0, ""},
		{"a charset parameter", "application/json; charset=utf-8", `{"name": "Ada"}`, 0, ""},
		{"a media type in capitals", "Application/JSON", `{"name": "Ada"}`, 0, ""},
		{"whitespace after the object", ct, "{\"name\": \"Ada\"}\r\n\t ", 0, ""},

		{"text/plain", "text/plain", `{"name": "Ada"}`, 415, "Content-Type must be application/json, got text/plain"},
		{"no Content-Type", "", `{"name": "Ada"}`, 415, "Content-Type must be application/json, got none"},
		{"a longer media type", "application/jsonp", `{"name": "Ada"}`, 415, "Content-Type must be application/json, got application/jsonp"},
		{"a +json media type", "application/merge-patch+json", `{"name": "Ada"}`, 415, "Content-Type must be application/json, got application/merge-patch+json"},
		{"415 before 400", "text/plain", `not json`, 415, "Content-Type must be application/json, got text/plain"},

		{"no body", ct, "", 400, `the body is empty; expected a JSON object such as {"name": "Ada"}`},
		{"only whitespace", ct, " \r\n", 400, `the body is empty; expected a JSON object such as {"name": "Ada"}`},
		{"cut short", ct, `{"name": "Ada`, 400, "invalid JSON at byte 13: unexpected end of input"},
		{"a bare word", ct, `{"name": Ada}`, 400, "invalid JSON at byte 10: invalid character 'A' looking for beginning of value"},
		{"a trailing comma", ct, `{"name": "Ada",}`, 400, "invalid JSON at byte 16: invalid character '}' looking for beginning of object key string"},
		{"single quotes", ct, `{'name': 'Ada'}`, 400, "invalid JSON at byte 2: invalid character '\\'' looking for beginning of object key string"},
		{"an unknown field", ct, `{"name": "Ada", "admin": true}`, 400, `unknown field "admin"`},
		{"a field in another case", ct, `{"Name": "Ada"}`, 400, `unknown field "Name"; keys are case-sensitive: did you mean "name"?`},
		{"a field in capitals", ct, `{"NAME": "Ada"}`, 400, `unknown field "NAME"; keys are case-sensitive: did you mean "name"?`},
		{"a key given twice", ct, `{"name":"a","name":"b"}`, 400, `field "name" is given twice (at byte 12); give it once`},
		{"a key twice, once escaped", ct, `{"name": "a", "n\u0061me": "Ada"}`, 400, `field "name" is given twice (at byte 14); give it once`},
		{"a key twice, the same value", ct, "{\"name\": \"Ada\",\n \"name\": \"Ada\"}", 400, `field "name" is given twice (at byte 17); give it once`},
		{"an escaped key", ct, `{"n\u0061me": "Ada"}`, 0, ""},
		{"keys before types", ct, `{"name": 42, "admin": true}`, 400, `unknown field "admin"`},
		{"keys in order", ct, `{"admin": true, "Name": "Ada"}`, 400, `unknown field "admin"`},
		{"a key inside a value is the value's", ct, `{"name": "Ada", "x": {"name": 1}}`, 400, `unknown field "x"`},
		{"invalid UTF-8 in a string", ct, "{\"name\": \"Ad\xff\"}", 400, "the body is not UTF-8: byte 12 is 0xff (RFC 8259 §8.1)"},
		{"invalid UTF-8 in a key", ct, "{\"n\xc3me\": \"Ada\"}", 400, "the body is not UTF-8: byte 3 is 0xc3 (RFC 8259 §8.1)"},
		{"UTF-8 before syntax", ct, "{\"name\": Ada\xff", 400, "the body is not UTF-8: byte 12 is 0xff (RFC 8259 §8.1)"},
		{"junk after a duplicate", ct, `{"name": "a", "name": "b"} x`, 400, "unexpected data after the JSON object at byte 27"},
		{"a number for a string", ct, `{"name": 42}`, 400, `field "name" must be a string, not a number (at byte 11)`},
		{"an object for a string", ct, `{"name": {"first": "Ada"}}`, 400, `field "name" must be a string, not an object (at byte 10)`},
		{"an array", ct, `[{"name": "Ada"}]`, 400, "the body must be a JSON object, not an array"},
		{"a string", ct, `"Ada"`, 400, "the body must be a JSON object, not a string"},
		{"two objects", ct, `{"name": "Ada"} {"name": "Grace"}`, 400, "unexpected data after the JSON object at byte 16"},
		{"an array, then junk", ct, `[1] x`, 400, "unexpected data after the JSON object at byte 4"},
		{"junk after the object", ct, `{"name": "Ada"}x`, 400, "unexpected data after the JSON object at byte 15"},
		{"over 1 MiB", ct, `{"name": "` + strings.Repeat("a", 1<<20) + `"}`, 413, "the body is over 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in userInput
			err := decodeJSON(withBody("POST", "/users", tt.contentType, tt.body), &in)
			if tt.status == 0 {
				require.Nil(t, err)
				assert.Equal(t, "Ada", in.Name)
				return
			}
			require.NotNil(t, err)
			assert.Equal(t, &APIError{tt.status, tt.msg}, err)
		})
	}
}

// TestDecodeUser goes through the rules of a name: visible, at most 256
// bytes, printable. "\u200b" in a body is JSON's escape; the decoder
// turns it into the character, as if it had been sent raw.
func TestDecodeUser(t *testing.T) {
	const blank = `field "name" is required and must not be blank`
	tooLong := func(n int) string {
		return fmt.Sprintf(`field "name" must be at most 256 bytes of UTF-8, not %d`, n)
	}
	notPrintable := func(what string) string { return `field "name" must be printable text, not hold ` + what }
	tests := []struct {
		body   string
		status int // 0: accepted
		msg    string
	}{
		{`{"name": "Ada Lovelace"}`, 0, ""},
		{`{"name": " Ada "}`, 0, ""}, // kept as sent
		{`{"name": "Zoë 🙂"}`, 0, ""},
		{`{"name": "` + strings.Repeat("a", 256) + `"}`, 0, ""},
		{`{"name": "` + strings.Repeat("é", 128) + `"}`, 0, ""},           // 256 bytes, 128 characters
		{`{"name": "山田\u3000太郎"}`, 0, ""},                                 // an ideographic space (Zs)
		{`{"name": "Ada\u00a0King"}`, 0, ""},                              // a no-break space (Zs)
		{`{"name": "\ud83d\udc69\u200d\ud83d\udc67"}`, 0, ""},             // two emoji joined by U+200D
		{`{"name": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645"}`, 0, ""}, // Persian, with a zero-width non-joiner
		{`{"name": "1\ufe0f\u20e3"}`, 0, ""},                              // a keycap: a digit and two marks
		{`{"name": "a\u0301"}`, 0, ""},                                    // a letter and a combining accent

		{`{}`, 400, blank},
		{`{"name": ""}`, 400, blank},
		{`{"name": " \t"}`, 400, blank},
		{`{"name": null}`, 400, blank},
		{`null`, 400, blank},
		{"{\"name\": \"\u200b\"}", 400, blank},                       // a zero-width space, raw
		{`{"name": "\u200b"}`, 400, blank},                           // and escaped
		{`{"name": "\u200d"}`, 400, blank},                           // a joiner with nothing to join
		{`{"name": "\u200b\u200d\ufeff\u00ad"}`, 400, blank},         // four invisible format characters
		{`{"name": "\u3000\u00a0 "}`, 400, blank},                    // spaces only
		{`{"name": "\u0301\u0301"}`, 400, blank},                     // combining marks with no letter
		{`{"name": "` + strings.Repeat(" ", 300) + `"}`, 400, blank}, // blank before too long
		{`{"name": true}`, 400, `field "name" must be a string, not a boolean (at byte 13)`},

		{`{"name": "` + strings.Repeat("a", 257) + `"}`, 400, tooLong(257)},
		{`{"name": "` + strings.Repeat("é", 129) + `"}`, 400, tooLong(258)},
		{`{"name": "` + strings.Repeat("a", 1<<19) + `"}`, 400, tooLong(1 << 19)},
		{`{"name": "` + strings.Repeat(`\u200b`, 200) + `a"}`, 400, tooLong(601)}, // too long before not printable

		{`{"name": "Ada\u200bKing"}`, 400, notPrintable("U+200B, an invisible format character (Cf)")},
		{`{"name": "\u202eAda"}`, 400, notPrintable("U+202E, an invisible format character (Cf)")}, // right-to-left override
		{`{"name": "Ada\u0000"}`, 400, notPrintable("U+0000, a control character (Cc)")},
		{`{"name": "Ada\nKing"}`, 400, notPrintable("U+000A, a control character (Cc)")},
		{`{"name": "Ada\tKing"}`, 400, notPrintable("U+0009, a control character (Cc)")},
		{`{"name": "Ada\u007f"}`, 400, notPrintable("U+007F, a control character (Cc)")},
		{`{"name": "Ada\u2028"}`, 400, notPrintable("U+2028, a line or paragraph separator (Zl, Zp)")},
		{`{"name": "Ada\ue000"}`, 400, notPrintable("U+E000, a private-use character (Co)")},
		{`{"name": "Ada\udb40\udc67"}`, 400, notPrintable("U+E0067, an invisible format character (Cf)")}, // a tag character
		{`{"name": "Ada\u0378"}`, 400, notPrintable("U+0378, a code point Unicode has not assigned (Cn)")},
	}
	for _, tt := range tests {
		name := tt.body
		if len(name) > 60 {
			name = fmt.Sprintf("%s...(%d bytes)", name[:40], len(name))
		}
		t.Run(name, func(t *testing.T) {
			in, err := decodeUser(withBody("POST", "/users", "application/json", tt.body))
			if tt.status == 0 {
				require.Nil(t, err)
				assert.NotEmpty(t, in.Name)
				return
			}
			assert.Equal(t, &APIError{tt.status, tt.msg}, err)
		})
	}
}

// FuzzDecodeUser feeds the body decoder of POST and PUT /users arbitrary
// Content-Types and bodies. Whatever they are, it must not panic; it must
// refuse with 400, 413 or 415 and a message that encodes as the one error
// shape, and point at a byte the body has; a body it accepts must be one
// valid JSON object whose only field is a non-blank name.
//
// The seeds run on every plain go test; go test -fuzz FuzzDecodeUser
// explores from them.
func FuzzDecodeUser(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{"application/json", `{"name": "Ada"}`},
		{"application/json; charset=utf-8", `{"name": "Zo\u00eb \ud83d\ude42"}`},
		{"APPLICATION/JSON", " {\"NAME\":\"x\"} \n"},
		{"application/json", `{"name": "a", "name": "b"}`},
		{"text/plain", `{"name": "Ada"}`},
		{"", ""},
		{"application/json", ""},
		{"application/json", `{"name": "Ada`},
		{"application/json", `{"name": "Ada", "admin": true}`},
		{"application/json", `{"name": 42}`},
		{"application/json", `{"name": {"first": "Ada"}}`},
		{"application/json", `[{"name": "Ada"}]`},
		{"application/json", `null`},
		{"application/json", `{"name": "Ada"} {"name": "Grace"}`},
		{"application/json", `{"name": "\ud800"}`},
		{"application/json", "{\"name\": \"\xff\xfe\"}"},
		{"application/json", `{"name": "   "}`},
		{"application/json", `{"name": 1e999}`},
		{"application/json", "\xef\xbb\xbf{\"name\": \"bom\"}"},
		{"application/json", `{"Name": "Ada"}`},
		{"application/json", `{"n\u0061me": "Ada"}`},
		{"application/json", `{"name": "\u200b"}`},
		{"application/json", `{"name": "a\u200db"}`},
		{"application/json", `{"name": "` + strings.Repeat("a", 257) + `"}`},
	} {
		f.Add(seed.contentType, []byte(seed.body))
	}

	atByte := regexp.MustCompile(`at byte (\d+)`)
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := request("POST", "/users")
		req.Header.Add("Content-Type", contentType)
		req.Body = body

		in, err := decodeUser(req)

		mt, _, _ := strings.Cut(contentType, ";")
		isJSON := strings.EqualFold(strings.TrimSpace(mt), "application/json")
		if err != nil {
			switch {
			case !isJSON:
				require.Equal(t, 415, err.Status, err.Msg)
			case len(body) > maxJSONBody:
				require.Equal(t, 413, err.Status, err.Msg)
			default:
				require.Equal(t, 400, err.Status, err.Msg)
			}
			require.NotEmpty(t, err.Msg)
			var shape map[string]string
			require.NoError(t, json.Unmarshal(jsonResponse(err.Status, err).Body, &shape))
			require.Len(t, shape, 1)
			require.NotEmpty(t, shape["error"])
			if m := atByte.FindStringSubmatch(err.Msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				require.LessOrEqual(t, n, len(body), err.Msg)
			}
			return
		}

		require.True(t, isJSON, "accepted a body sent as %q", contentType)
		require.True(t, json.Valid(body), "accepted invalid JSON %q", body)
		require.True(t, utf8.Valid(body), "accepted a body that is not UTF-8: %q", body)
		require.LessOrEqual(t, len(in.Name), maxNameBytes)
		require.True(t, strings.ContainsFunc(in.Name, func(r rune) bool { return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) }),
			"accepted the blank name %q", in.Name)
		for _, r := range in.Name {
			require.True(t, unicode.IsGraphic(r) || r == 0x200c || r == 0x200d, "accepted %U in a name", r)
		}
		// A token walk of its own, to see every key the body has: a map
		// would keep one of two equal keys.
		dec := json.NewDecoder(bytes.NewReader(body))
		tok, walkErr := dec.Token()
		require.NoError(t, walkErr)
		require.Equal(t, json.Delim('{'), tok, "accepted a body that is not an object: %q", body)
		keys := 0
		for dec.More() {
			tok, err := dec.Token()
			require.NoError(t, err)
			require.Equal(t, "name", tok, "accepted the key %q", tok)
			var value json.RawMessage
			require.NoError(t, dec.Decode(&value))
			keys++
		}
		require.LessOrEqual(t, keys, 1, "accepted a key twice: %q", body)
	})
}
