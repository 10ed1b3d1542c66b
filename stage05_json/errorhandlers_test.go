package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withProblemDetails registers problemDetails on the application for the
// rest of the test, as -problem-details does.
func withProblemDetails(t *testing.T) {
	saved := app.errorHandlers
	t.Cleanup(func() { app.errorHandlers = saved })
	app.errorHandlers = nil
	useProblemDetails(app)
}

// expectProblem checks that resp is a problem details object for status.
func expectProblem(t *testing.T, resp *Response, status int, detail string) {
	t.Helper()
	assert.Equal(t, status, resp.Status)
	assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	var p problem
	require.NoError(t, json.Unmarshal(resp.Body, &p), string(resp.Body))
	assert.Equal(t, problem{Type: "about:blank", Title: StatusText(status), Status: status, Detail: detail}, p)
}

// TestErrorHandlersReachEveryError sends the errors of every part of the
// server through the handlers -problem-details registers.
func TestErrorHandlersReachEveryError(t *testing.T) {
	withProblemDetails(t)
	h := app.Handler()

	expectProblem(t, h(request("GET", "/nowhere")), 404, "no resource at /nowhere")
	expectProblem(t, h(request("GET", "/users/987654321")), 404, "user 987654321 not found")
	expectProblem(t, h(request("GET", "/users?limit=abc")), 400, `query parameter limit must be an integer from 1 up, got "abc"`)

	resp := h(request("PATCH", "/users"))
	expectProblem(t, resp, 405, "method not allowed; this path allows GET, HEAD, OPTIONS, POST")
	assert.Equal(t, "GET, HEAD, OPTIONS, POST", resp.Header.Get("Allow"), "the router's header survives the new body")

	expectProblem(t, statusErrorJSON(ErrBodyTooLarge), 413, "request body too large")
	expectProblem(t, recoverer(func(*Request) *Response { panic("boom") })(request("GET", "/")), 500, "internal server error")

	ok := h(request("GET", "/users"))
	assert.Equal(t, 200, ok.Status)
	assert.Equal(t, "application/json", ok.Header.Get("Content-Type"), "answers that are not errors are left alone")
}

// TestErrorHandlerPerStatus registers a handler for one status only.
func TestErrorHandlerPerStatus(t *testing.T) {
	saved := app.errorHandlers
	t.Cleanup(func() { app.errorHandlers = saved })
	app.errorHandlers = nil
	app.ErrorHandler(404, func(e *APIError) *Response {
		return &Response{Status: 418, Header: Header{{Name: "Content-Type", Value: "text/plain"}}, Body: []byte("lost: " + e.Msg)}
	})
	h := app.Handler()
	resp := h(request("GET", "/nowhere"))
	assert.Equal(t, 404, resp.Status, "the status stays the error's")
	assert.Equal(t, "lost: no resource at /nowhere", string(resp.Body))
	assert.Equal(t, "application/json", h(request("PATCH", "/users")).Header.Get("Content-Type"), "405 has no handler")

	assert.Panics(t, func() { app.ErrorHandler(200, problemDetails) })
	assert.Panics(t, func() { app.ErrorHandler(404, nil) })
}
