package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResponseWrite(t *testing.T) {
	tests := []struct {
		name string
		resp *Response
		want string
	}{
		{
			name: "empty body still has Content-Length",
			resp: &Response{Status: 200},
			want: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "text body",
			resp: textResponse(200, "abc"),
			want: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
		},
		{
			name: "closing",
			resp: &Response{Status: 404, Close: true},
			want: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		},
		{
			name: "keep-alive for HTTP/1.0",
			resp: &Response{Status: 200, KeepAlive: true},
			want: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
		},
		{
			name: "close wins over keep-alive",
			resp: &Response{Status: 200, Close: true, KeepAlive: true},
			want: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		},
		{
			name: "error answer",
			resp: &Response{Status: 431, Header: Header{{"Content-Type", "text/plain"}}, Body: []byte("too large\n"), Close: true},
			want: "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\ntoo large\n",
		},
		{
			name: "body without a type is labelled",
			resp: &Response{Status: 200, Body: []byte{1, 2}},
			want: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\n\x01\x02",
		},
		{
			name: "unknown status keeps the space before an empty reason",
			resp: &Response{Status: 299},
			want: "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "204 has no Content-Length",
			resp: &Response{Status: 204, Header: Header{{"Allow", "GET, HEAD, OPTIONS"}}},
			want: "HTTP/1.1 204 No Content\r\nAllow: GET, HEAD, OPTIONS\r\n\r\n",
		},
		{
			name: "204 drops a body it must not have",
			resp: &Response{Status: 204, Body: []byte("x"), Close: true},
			want: "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
		},
		{
			name: "1xx has no Content-Length",
			resp: &Response{Status: 100},
			want: continueResponse,
		},
		{
			name: "HEAD keeps the fields of GET, not the body",
			resp: &Response{Status: 200, Header: Header{{"Content-Type", "text/plain"}}, Body: []byte("abc"), Head: true},
			want: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n",
		},
		{
			name: "HEAD labels an untyped body as GET would",
			resp: &Response{Status: 200, Body: []byte{1}, Head: true},
			want: "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1\r\n\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tc.resp.Write(&buf))
			assert.Equal(t, tc.want, buf.String())
		})
	}
}

func TestHasContent(t *testing.T) {
	tests := []struct {
		status int
		want   bool
	}{
		{100, false}, {101, false}, {200, true}, {201, true},
		{204, false}, {304, false}, {404, true}, {500, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, hasContent(tt.status), "%d", tt.status)
	}
}
