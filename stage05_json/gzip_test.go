package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		values []string // the Accept-Encoding fields of a request
		want   bool
	}{
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"deflate, gzip;q=0.5"}, true},
		{[]string{"deflate, GZIP;Q=0.5"}, true},
		{[]string{"gzip ; q=0.5"}, true},
		{[]string{"encoding-1, gzip, encoding-2"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{"gzip;q=1"}, true},
		{[]string{"gzip;q=1.000"}, true},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"deflate", "gzip"}, true}, // two fields are one list
		{[]string{",, gzip ,"}, true},
		{[]string{"*"}, true},
		{[]string{"deflate, *;q=0.5"}, true},

		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"encoding-1, encoding-2"}, false},
		{[]string{"invalid-encoding"}, false},
		{[]string{"identity"}, false},
		{[]string{"deflate, br"}, false},
		{[]string{"gzipx"}, false},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false}, // gzip named: * does not cover it
		{[]string{"gzip;q=2"}, false},    // malformed weights: the member is ignored
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=0.0001"}, false},
		{[]string{"gzip;q=1.5"}, false},
		{[]string{"gzip;q="}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.values, " | "), func(t *testing.T) {
			assert.Equal(t, tt.want, acceptsGzip(tt.values))
		})
	}
}

// gunzip returns the decompressed b, failing the test if it is not gzip.
func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(plain)
}

// wire serialises resp as the serve loop would and parses it back with
// net/http, an independent client.
func wire(t *testing.T, resp *Response) (*http.Response, []byte) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, resp.Write(&buf))
	method := "GET"
	if resp.Head {
		method = "HEAD"
	}
	hr, err := http.ReadResponse(bufio.NewReader(&buf), &http.Request{Method: method})
	require.NoError(t, err)
	body, err := io.ReadAll(hr.Body)
	require.NoError(t, err)
	return hr, body
}

func TestGzipMiddleware(t *testing.T) {
	word := strings.Repeat("abc", 20)
	tests := []struct {
		name     string
		resp     func() *Response
		compress bool // with Accept-Encoding: gzip
		vary     bool
	}{
		{"text", func() *Response { return textResponse(200, word) }, true, true},
		{"JSON", func() *Response { return jsonResponse(200, User{1, word}) }, true, true},
		{"a JSON error", func() *Response { return jsonResponse(errorJSON(404, "user %d not found", 7)) }, true, true},
		{"text with a charset", func() *Response {
			r := textResponse(200, word)
			r.Header[0].Value = "text/plain; charset=utf-8"
			return r
		}, true, true},
		{"a short body, which grows", func() *Response { return textResponse(200, "a") }, true, true},
		{"an empty body", func() *Response { return textResponse(200, "") }, false, false},
		{"no body", func() *Response { return &Response{Status: 200} }, false, false},
		{"204", func() *Response { return jsonResponse(204, nil) }, false, false},
		{"a file", func() *Response {
			return &Response{Status: 200, Header: Header{{"Content-Type", "application/octet-stream"}}, Body: []byte(word)}
		}, false, false},
		{"encoded already", func() *Response {
			r := textResponse(200, word)
			r.Header.Add("Content-Encoding", "br")
			return r
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := tt.resp()
			want := string(plain.Body)
			handler := gzipMiddleware(func(*Request) *Response { return tt.resp() })

			// Without Accept-Encoding: the body as the handler made it.
			resp := handler(request("GET", "/"))
			assert.Equal(t, want, string(resp.Body))
			assert.Equal(t, plain.Header.Get("Content-Encoding"), resp.Header.Get("Content-Encoding"))
			assert.Equal(t, tt.vary, resp.Header.Get("Vary") == "Accept-Encoding", "Vary on every response that could have been compressed")

			// With it: compressed, and labelled so.
			req := get("/", Field{"Host", "x"}, Field{"Accept-Encoding", "gzip"})
			resp = handler(req)
			if !tt.compress {
				assert.Equal(t, want, string(resp.Body))
				assert.Equal(t, plain.Header.Get("Content-Encoding"), resp.Header.Get("Content-Encoding"))
				return
			}
			assert.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			assert.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"))
			assert.Len(t, resp.Header.Values("Vary"), 1)
			assert.Equal(t, plain.Header.Get("Content-Type"), resp.Header.Get("Content-Type"), "the type is the type of the content, before coding")

			hr, body := wire(t, resp)
			assert.Equal(t, strconv.Itoa(len(body)), hr.Header.Get("Content-Length"), "the compressed length")
			assert.Equal(t, want, gunzip(t, body))
		})
	}
}

// TestGzipHead checks that HEAD gets the headers of GET, with the
// compressed Content-Length, and no body: the middleware compresses, and
// the serve loop, which sets Head after the handlers, drops the body.
func TestGzipHead(t *testing.T) {
	handler := gzipMiddleware(app.Handler())
	ae := Field{"Accept-Encoding", "gzip"}

	getResp, getBody := wire(t, handler(get("/echo/"+strings.Repeat("hello", 10), Field{"Host", "x"}, ae)))

	head := get("/echo/"+strings.Repeat("hello", 10), Field{"Host", "x"}, ae)
	head.Method = "HEAD"
	resp := handler(head)
	resp.Head = true // as serveRequests does
	headResp, headBody := wire(t, resp)

	assert.Equal(t, strings.Repeat("hello", 10), gunzip(t, getBody))
	assert.Empty(t, headBody)
	assert.Equal(t, getResp.Header, headResp.Header)
	assert.Equal(t, strconv.Itoa(len(getBody)), headResp.Header.Get("Content-Length"))
}

// TestServeGzipHead runs GET and HEAD with Accept-Encoding: gzip on one
// connection through the serve loop: HEAD gets GET's headers, the
// compressed Content-Length included, and no body, or the next response
// would start with it.
func TestServeGzipHead(t *testing.T) {
	cfg := testConfig
	cfg.handler = gzipMiddleware(app.Handler())
	c := dial(t, startServer(t, cfg))
	word := strings.Repeat("hello", 10)
	c.send("GET /echo/" + word + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n" +
		"HEAD /echo/" + word + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n" +
		"GET /echo/after HTTP/1.1\r\nHost: x\r\n\r\n")

	getResp, getBody := c.response()
	assert.Equal(t, "gzip", getResp.Header.Get("Content-Encoding"))
	assert.Equal(t, word, gunzip(t, []byte(getBody)))

	headResp, err := http.ReadResponse(c.br, &http.Request{Method: "HEAD"})
	require.NoError(t, err)
	assert.Equal(t, getResp.Header, headResp.Header)
	assert.Equal(t, strconv.Itoa(len(getBody)), headResp.Header.Get("Content-Length"))

	after, body := c.response()
	assert.Equal(t, 200, after.StatusCode)
	assert.Equal(t, "after", body)
	assert.Empty(t, after.Header.Get("Content-Encoding"))
}

// TestGzipVaryOnce checks that a Vary the handler already sent is not
// repeated.
func TestGzipVaryOnce(t *testing.T) {
	handler := gzipMiddleware(func(*Request) *Response {
		r := textResponse(200, "hello")
		r.Header.Add("Vary", "accept-encoding, Accept-Language")
		return r
	})
	resp := handler(get("/", Field{"Host", "x"}, Field{"Accept-Encoding", "gzip"}))
	assert.Equal(t, []string{"accept-encoding, Accept-Language"}, resp.Header.Values("Vary"))
	assert.Equal(t, "hello", gunzip(t, resp.Body))
}

// TestGzipBytesReuse checks that writers taken from the pool start clean.
func TestGzipBytesReuse(t *testing.T) {
	for _, s := range []string{"first", strings.Repeat("x", 100_000), "", "last"} {
		assert.Equal(t, s, gunzip(t, gzipBytes([]byte(s))))
	}
}

// BenchmarkGzipBytes compares a new gzip.Writer per response with one
// borrowed from the pool, on a short body.
func BenchmarkGzipBytes(b *testing.B) {
	body := []byte(`{"id":1,"name":"Ada Lovelace"}`)
	b.Run("new writer", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(body)
			zw.Close()
		}
	})
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			gzipBytes(body)
		}
	})
}

// TestEventsGzip checks a compressed stream: one gzip stream, flushed per
// event, so each event decompresses as it arrives, and ended with gzip's
// trailer, which the reader checks, when the stream ends.
func TestEventsGzip(t *testing.T) {
	hub := newEventHub(10, time.Hour)
	cfg := testConfig
	cfg.handler = gzipMiddleware(hub.stream)
	addr, stop := stoppable(t, cfg)
	c, stream := openEvents(t, addr, "Accept-Encoding: gzip")
	assert.Equal(t, "gzip", stream.Header.Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", stream.Header.Get("Vary"))
	eventually(t, func() bool { return hub.subscribers() == 1 }, "subscribed")

	hub.publish("tick", 1)
	zr, err := gzip.NewReader(stream.Body)
	require.NoError(t, err)
	assert.Equal(t, eventText(1, "tick", "1"), readEvent(t, zr))
	hub.publish("tick", 2)
	assert.Equal(t, eventText(2, "tick", "2"), readEvent(t, zr))

	done := stop()
	rest, err := io.ReadAll(zr)
	require.NoError(t, err, "the gzip stream ends whole, checksum and all")
	assert.Empty(t, rest)
	stopped(t, done)
	c.closed()
	assert.Len(t, gzipFeedSlots, 0, "the slot is given back")
}
