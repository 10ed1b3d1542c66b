package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShowMessage(t *testing.T) {
	text := "hello, this is text\n"
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"text stays escaped", "HTTP/1.1 200 OK\r\n\r\nhi\n", []string{`HTTP/1.1 200 OK\r\n`, `\r\n`, `hi\n`}},
		{"a header with a NUL stays escaped", "GET / HTTP/1.1\r\nA: \x00\r\n\r\n", []string{`GET / HTTP/1.1\r\n`, `A: \x00\r\n`, `\r\n`}},
		{"a binary body is dumped from its start", "HTTP/1.1 200 OK\r\n\r\nx\x9c\x01\x02", []string{
			`HTTP/1.1 200 OK\r\n`, `\r\n`,
			"(the body is not text from its byte 0 on; 4 bytes in hex:)",
			"00000000  78 9c 01 02                                       |x...|",
		}},
		{"text, then bytes that are not", text + "\xff\xfe", []string{
			`hello, this is text\n`,
			"(the body is not text from its byte 20 on; 2 bytes in hex:)",
			"00000014  ff fe                                             |..|",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, showMessage([]byte(tt.in)))
		})
	}
}

func TestShowMessageCapsTheDump(t *testing.T) {
	lines := showMessage([]byte("\x00" + strings.Repeat("\x01", 1000)))
	assert.Len(t, lines, 1+maxDumped/16+1)
	assert.Equal(t, "… (745 more bytes not shown)", lines[len(lines)-1])
}

func TestHexDumpRow(t *testing.T) {
	assert.Equal(t, []string{
		"00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|",
		"00000010  41                                                |A|",
	}, hexDump([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0fA"), 0))
}
