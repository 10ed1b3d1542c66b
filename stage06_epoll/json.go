package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// JSONHandler answers a request with a status and a value; JSON turns the
// value into the response body. Returning the value, instead of building
// a Response, leaves the encoding, the Content-Type and the error shape to
// one place, so no handler can get them wrong.
type JSONHandler func(req *Request) (status int, v any)

// JSON adapts a JSONHandler to a Handler, so that the router can hold it
// beside the text handlers of the earlier stages:
//
//	var _ = app.GET("/users/:id", JSON(users.get))
func JSON(h JSONHandler) Handler {
	return func(req *Request) *Response {
		// h's two results are jsonResponse's two arguments: Go passes
		// the results of a call straight on when they match.
		return jsonResponse(h(req))
	}
}

// jsonResponse returns a response with v encoded as JSON, or no body at
// all when v is nil, as a 204 needs. A value that cannot be encoded (a
// channel, a func) is a bug in the handler, so it becomes a 500 and a log
// line, not a half-written body. An *APIError goes to the error handler
// the application registered for its status, if there is one: every
// error answer of this stage is made here, so that is how a handler
// reaches them all (see errorhandlers.go).
func jsonResponse(status int, v any) *Response {
	if e, ok := v.(*APIError); ok {
		if resp := app.renderError(status, e); resp != nil {
			return resp
		}
	}
	if v == nil {
		return &Response{Status: status}
	}
	body, err := json.Marshal(v)
	if err != nil {
		log.Printf("encoding the %d response as JSON: %v", status, err)
		status, body = 500, []byte(`{"error":"internal server error"}`)
	}
	return &Response{
		Status: status,
		Header: Header{{Name: "Content-Type", Value: "application/json"}},
		// The newline is for people: curl's prompt starts on its own line.
		Body: append(body, '\n'),
	}
}

// APIError is an error a JSON API answers with: the status, and a message
// sent as {"error": "user 42 not found"}. Every error of this stage has
// that one shape, so a client needs one code path to show it.
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string { return e.Msg }

// MarshalJSON encodes the error as the body clients see. The status is not
// in it: it is already in the status line.
func (e *APIError) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"error": e.Msg})
}

// errorJSON is the return statement of a JSONHandler that fails:
//
//	return errorJSON(404, "user %d not found", id)
func errorJSON(status int, format string, args ...any) (int, any) {
	return status, &APIError{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// notFoundJSON is the router's answer to a path no route matches.
func notFoundJSON(req *Request) *Response {
	return jsonResponse(errorJSON(404, "no resource at %s", req.Path))
}

// methodNotAllowedJSON is the router's answer to a known path with a
// method it does not have. allow is the value of the Allow header, which
// a 405 must carry (RFC 9110 §15.5.6).
func methodNotAllowedJSON(allow string) *Response {
	resp := jsonResponse(errorJSON(405, "method not allowed; this path allows %s", allow))
	resp.Header.Add("Allow", allow)
	return resp
}

// badRequestJSON is the router's answer to a path whose parameters do not
// percent-decode, such as /users/%zz.
func badRequestJSON(msg string) *Response {
	return jsonResponse(errorJSON(400, "%s", msg))
}

// The router's own answers are JSON, like all the application's other
// errors. The routes registered before this runs, since Go runs every
// package-level initialiser before any init function; the router reads
// these hooks only when a request comes.
func init() {
	app.NotFound = notFoundJSON
	app.MethodNotAllowed = methodNotAllowedJSON
	app.BadRequest = badRequestJSON
}

// statusErrorJSON renders an error of the request parser, such as the 413
// of a body over MaxBodyBytes, in the same shape as the handlers' errors.
// The serve loop's refuse sends it instead of stage 2's text/plain line.
// It knows no status by name: whatever StatusError the parser returns, of
// any status, the client gets that status and {"error": its message}.
func statusErrorJSON(se *StatusError) *Response {
	return jsonResponse(errorJSON(se.Status, "%s", se.Msg))
}

// maxJSONBody is the largest request body decodeJSON accepts. The parser
// refuses a larger one first, before reading it, as long as MaxBodyBytes
// is no larger; this check keeps decodeJSON safe on its own.
const maxJSONBody = 1 << 20

// decodeJSON decodes the request body, which must be one JSON object, into
// v, a pointer to a struct with flat fields. It is strict, because a
// lenient API teaches its clients mistakes. The Content-Type must be
// application/json (415 otherwise); then, in this order, each refused with
// 400 and a message that says what is wrong and where:
//
//  1. the body must be UTF-8, one valid JSON value and nothing after it;
//  2. an object's keys must be exactly the JSON names of v's fields, in
//     the same case, each at most once (see checkKeys);
//  3. each value must have its field's type, and the body must be an
//     object.
//
// It returns *APIError rather than error so that the caller can answer
// with err.Status. Compare the result with nil directly; stored in a
// variable of type error, a nil *APIError would not compare equal to nil.
func decodeJSON(req *Request, v any) *APIError {
	ct := req.Header.Get("Content-Type")
	// A media type is case-insensitive and may carry parameters, such as
	// "; charset=utf-8" (RFC 9110 §8.3.1).
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		if ct == "" {
			ct = "none"
		}
		return &APIError{415, fmt.Sprintf("Content-Type must be application/json, got %s", ct)}
	}
	body := req.Body
	if len(body) > maxJSONBody {
		return &APIError{413, fmt.Sprintf("the body is over %d bytes", maxJSONBody)}
	}
	if err := checkJSONText(body); err != nil {
		return err
	}
	if err := checkKeys(body, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	// checkKeys saw the top-level keys; this catches those of a nested
	// object, should a field ever be one.
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &APIError{400, describeJSONError(err, len(body))}
	}
	return nil
}

// checkJSONText refuses a body that is not one JSON text: bytes that are
// not UTF-8, which encoding/json would otherwise replace with U+FFFD
// without a word (RFC 8259 §8.1 says JSON is UTF-8), invalid JSON, or
// anything but whitespace after the first value.
func checkJSONText(body []byte) *APIError {
	if i := invalidUTF8(body); i >= 0 {
		return &APIError{400, fmt.Sprintf("the body is not UTF-8: byte %d is 0x%02x (RFC 8259 §8.1)", i, body[i])}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return &APIError{400, describeJSONError(err, len(body))}
	}
	if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return &APIError{400, fmt.Sprintf("unexpected data after the JSON object at byte %d", len(body)-len(rest))}
	}
	return nil
}

// invalidUTF8 returns the offset of the first byte of b that is not part
// of a UTF-8 sequence, or -1 when there is none. A U+FFFD that was sent
// is three valid bytes; only a lone byte decodes as RuneError of size 1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// checkKeys refuses a body whose top-level object has a key that is not
// the JSON name of one of v's fields, exactly, or has a key twice.
// encoding/json alone accepts both: it matches keys to fields without
// regard to case, so {"Name": "x"} fills Name, and a repeated key keeps
// its last value, so {"name": "a", "name": "b"} is "b". Two programs
// reading such a body can then disagree on what it says. Keys are
// compared after unescaping, so "na\u006de" is "name". A body that is
// not an object is left to Decode, which says what it is instead. The
// body is one valid JSON value (checkJSONText), so the token walk cannot
// fail.
func checkKeys(body []byte, v any) *APIError {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	names := jsonNames(t.Elem())
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	seen := make(map[string]bool, len(names))
	for dec.More() {
		// The key starts after the previous value's comma and spaces.
		at := int(dec.InputOffset())
		at = len(body) - len(bytes.TrimLeft(body[at:], " \t\r\n,"))
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return nil
		}
		switch {
		case seen[key]:
			return &APIError{400, fmt.Sprintf("field %q is given twice (at byte %d); give it once", key, at)}
		case !slices.Contains(names, key):
			return &APIError{400, unknownField(key, names)}
		}
		seen[key] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil
		}
	}
	return nil
}

// unknownField is the message for a key no field has, with the right
// spelling when the key is a field's name in another case.
func unknownField(key string, names []string) string {
	for _, name := range names {
		if strings.EqualFold(key, name) {
			return fmt.Sprintf("unknown field %q; keys are case-sensitive: did you mean %q?", key, name)
		}
	}
	return fmt.Sprintf("unknown field %q", key)
}

// jsonNames lists the keys encoding/json uses for the exported fields of
// the struct type t: the name in the json tag, or the field's own name.
func jsonNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case !f.IsExported() || tag == "-":
			continue
		case name == "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// describeJSONError turns an error of json.Decoder into a message for the
// client: what is wrong and, where the decoder says, at which byte.
// Offsets count the bytes read before the problem, from 0.
func describeJSONError(err error, size int) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return `the body is empty; expected a JSON object such as {"name": "Ada"}`
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("invalid JSON at byte %d: unexpected end of input", size)
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Sprintf("the body must be a JSON object, not %s", aJSONValue(typ.Value))
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q must be %s, not %s (at byte %d)", typ.Field, jsonKind(typ.Type), aJSONValue(typ.Value), typ.Offset)
	}
	// The decoder has no error type for an unknown field: its message is
	// `json: unknown field "admin"`.
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind names the JSON value a Go type is decoded from, as a client
// would say it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// aJSONValue names the kind of JSON value that json.UnmarshalTypeError
// describes as "number", "bool" or "array", as a client would say it.
func aJSONValue(value string) string {
	switch value {
	case "bool":
		return "a boolean"
	case "array", "object":
		return "an " + value
	}
	return "a " + value // "a string", "a number", "a number 1e400"
}
