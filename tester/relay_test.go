package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscapeLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"listening on :4221", "listening on :4221"},
		{"\x1b]0;TITLE\x07x", `\x1b]0;TITLE\x07x`},
		{"\x1b[2J", `\x1b[2J`},
		{"tab\tstays, C:\\path too", "tab\tstays, C:\\path too"},
		{"bad \xff byte", `bad \xff byte`},
		{"c1 \u009b csi", `c1 \u009b csi`},
		{"bidi \u202e override", `bidi \u202e override`},
		{"héllo, 世界", "héllo, 世界"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, escapeLine(tt.in), "%q", tt.in)
	}
}

func TestReadLines(t *testing.T) {
	type line struct {
		text string
		cut  int
	}
	long := strings.Repeat("x", 3*relayReadSize+5)
	tests := []struct {
		name string
		in   string
		max  int
		want []line
	}{
		{"lines", "one\ntwo\n", 10, []line{{"one", 0}, {"two", 0}}},
		{"crlf", "one\r\ntwo\r\n", 10, []line{{"one", 0}, {"two", 0}}},
		{"no final newline", "one\ntwo", 10, []line{{"one", 0}, {"two", 0}}},
		{"empty line", "\nx\n", 10, []line{{"", 0}, {"x", 0}}},
		{"cut", "abcdefghij\nnext\n", 4, []line{{"abcd", 6}, {"next", 0}}},
		{"cut at a character", "aé\n", 2, []line{{"a", 2}}},
		{"longer than the read buffer", long + "\nafter\n", 8, []line{{"xxxxxxxx", len(long) - 8}, {"after", 0}}},
		{"long, unterminated", long, 8, []line{{"xxxxxxxx", len(long) - 8}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []line
			readLines(strings.NewReader(tt.in), tt.max, func(text string, cut int) {
				got = append(got, line{text, cut})
			})
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShorten(t *testing.T) {
	assert.Equal(t, "short", shorten("short", 10))
	assert.Equal(t, "abc…", shorten("abcdef", 3))
	assert.Equal(t, "a…", shorten("aéb", 2), "never splits a character")
}

func TestRelayCapsLinesPerCheck(t *testing.T) {
	tests := []struct {
		name      string
		verbose   bool
		lines     int
		wantShown int
		notices   int
	}{
		{"under the cap", false, maxRelayedLines, maxRelayedLines, 0},
		{"over the cap", false, maxRelayedLines + 50, maxRelayedLines, 2},
		{"-v shows all", true, maxRelayedLines + 50, maxRelayedLines + 50, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			s := &server{prefix: "[your_program]", rep: &reporter{w: &out, verbose: tt.verbose}}
			var printed int
			s.relays.Add(1)
			s.relay(strings.NewReader(strings.Repeat("GET /echo/hello 200\n", tt.lines)), &printed)
			s.newCheck()
			text := out.String()
			assert.Equal(t, tt.wantShown, strings.Count(text, "GET /echo/hello 200"))
			assert.Equal(t, tt.notices, strings.Count(text, "[tester]"))
			assert.Equal(t, tt.lines, printed, "every line is counted, shown or not")
			if tt.notices > 0 {
				assert.Contains(t, text, "(50 more lines of your server's output were not shown)")
			}
		})
	}
}
