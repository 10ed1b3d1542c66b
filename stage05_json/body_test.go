package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBodyReader reads bodies a few bytes at a time, as a handler that
// processes a body piece by piece would, and checks that the reader stops
// exactly at the body's end and keeps its first error.
func TestBodyReader(t *testing.T) {
	chunked := "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	tests := []struct {
		name    string
		in      string
		want    string
		rest    string
		wantErr error
	}{
		{name: "Content-Length", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello worldGET", want: "hello world", rest: "GET"},
		{name: "no body", in: "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", rest: "GET"},
		{name: "chunked", in: chunked + "5\r\nhello\r\n1;x=y\r\n \r\n5\r\nworld\r\n0\r\nT: v\r\n\r\nGET", want: "hello world", rest: "GET"},
		{name: "cut short", in: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello", want: "hello", wantErr: io.ErrUnexpectedEOF},
		{name: "bad chunk after good data", in: chunked + "5\r\nhello\r\nzz\r\n", want: "hello", wantErr: ErrChunk},
		{name: "chunks over the cap", in: chunked + fmt.Sprintf("5\r\nhello\r\n%x\r\n", MaxBodyBytes), want: "hello", wantErr: ErrBodyTooLarge},
	}
	for _, tc := range tests {
		for _, feed := range feeds {
			t.Run(tc.name+"/"+feed.name, func(t *testing.T) {
				br := feed.open(tc.in)
				req, err := ReadRequestHead(br)
				require.NoError(t, err)
				got, err := io.ReadAll(iotest.OneByteReader(req.BodyReader()))
				assert.Equal(t, tc.want, string(got))
				if tc.wantErr == nil {
					require.NoError(t, err)
					require.NoError(t, req.DiscardBody(), "nothing left to discard")
					rest, _ := io.ReadAll(br)
					assert.Equal(t, tc.rest, string(rest), "the reader stops at the body's end")
					return
				}
				assert.ErrorIs(t, err, tc.wantErr)
				assert.ErrorIs(t, req.DiscardBody(), tc.wantErr, "DiscardBody reports the error the handler met")
			})
		}
	}
}

// TestReadBodyAfterAHandlerRead checks that ReadBody and DiscardBody take
// what a handler left, and that BodyReader reads Body once it is read.
func TestReadBodyAfterAHandlerRead(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world"))
	req, err := ReadRequestHead(br)
	require.NoError(t, err)
	head := make([]byte, 6)
	_, err = io.ReadFull(req.BodyReader(), head)
	require.NoError(t, err)
	require.NoError(t, req.ReadBody())
	assert.Equal(t, "world", string(req.Body), "what the handler left")
	again, err := io.ReadAll(req.BodyReader())
	require.NoError(t, err)
	assert.Equal(t, "world", string(again))
}
