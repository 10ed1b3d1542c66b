package main

// Error handlers: how an application chooses the body of its error
// answers, one status at a time, as Flask's @app.errorhandler(404) does.
// They are not middleware. A middleware sees a response once it is bytes
// and headers, and only the responses of the router's chain: the parser's
// refusals (a 413, a 431) are written by the serve loop before any handler
// runs. So the hook is where every error of this stage turns from a value
// into bytes, jsonResponse, which the handlers, the router's own answers,
// the recoverer, the API middleware and the serve loop's refuse all go
// through.

import (
	"encoding/json"
	"fmt"
)

// ErrorHandler renders one error as the response to send: e.Status is the
// status, e.Msg what went wrong. The status of the answer stays e.Status
// whatever the handler returns, and the headers that the code answering
// adds afterwards (Allow on a 405, WWW-Authenticate on a 401, Retry-After
// on a 429) are added to the handler's response, so an ErrorHandler
// decides the body and its Content-Type, and nothing else.
type ErrorHandler func(e *APIError) *Response

// ErrorHandler registers h for every error answer with this status: a
// handler's, the router's 404 and 405, the middleware's 401 and 429, and
// the parser's 400, 413 and 431. Register before serving, like routes;
// a second registration for a status replaces the first.
func (rt *Router) ErrorHandler(status int, h ErrorHandler) {
	if status < 400 || status > 599 || h == nil {
		panic(fmt.Sprintf("ErrorHandler(%d): an error handler is for a status from 400 to 599, and not nil", status))
	}
	if rt.errorHandlers == nil {
		rt.errorHandlers = map[int]ErrorHandler{}
	}
	rt.errorHandlers[status] = h
}

// renderError returns the response rt's error handler for status makes of
// e, or nil when no handler is registered for it.
func (rt *Router) renderError(status int, e *APIError) *Response {
	h := rt.errorHandlers[status]
	if h == nil {
		return nil
	}
	resp := h(&APIError{Status: status, Msg: e.Msg})
	resp.Status = status
	return resp
}

// problem is an error in the format of RFC 9457, Problem Details for HTTP
// APIs: a standard shape that generic clients and tools understand, where
// this stage's {"error": "..."} is its own convention. Type about:blank
// says the problem is no more than its status (RFC 9457 §4.2.1), and then
// the title is the status's reason phrase.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"` // must equal the response's (RFC 9457 §3.1)
	Detail string `json:"detail"`
}

// problemDetails is the error handler of -problem-details: every error as
// application/problem+json (RFC 9457 §3), the message as its detail.
func problemDetails(e *APIError) *Response {
	body, _ := json.Marshal(problem{Type: "about:blank", Title: StatusText(e.Status), Status: e.Status, Detail: e.Msg}) // strings and an int: cannot fail
	return &Response{
		Status: e.Status,
		Header: Header{{Name: "Content-Type", Value: "application/problem+json"}},
		Body:   append(body, '\n'),
	}
}

// useProblemDetails registers problemDetails for every error status the
// server can send, one registration per status, as -problem-details asks.
func useProblemDetails(rt *Router) {
	for status := 400; status <= 599; status++ {
		if StatusText(status) != "" {
			rt.ErrorHandler(status, problemDetails)
		}
	}
}
