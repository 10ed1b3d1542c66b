package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEscapeBytes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{"(nothing)"}},
		{"crlf stays visible and breaks the line", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", []string{`GET / HTTP/1.1\r\n`, `Host: x\r\n`, `\r\n`}},
		{"bare cr does not break", "a\rb", []string{`a\rb`}},
		{"control bytes and invalid utf-8", "\x00\x7f\xff", []string{`\x00\x7f\xff`}},
		{"backslash is escaped", `a\b`, []string{`a\\b`}},
		{"utf-8 passes through", "héllo", []string{"héllo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, escapeBytes([]byte(tt.in)))
		})
	}
}

func TestEscapeBytesTruncates(t *testing.T) {
	lines := escapeBytes(bytes.Repeat([]byte("a"), maxShown+10))
	require.Len(t, lines, 2)
	assert.Equal(t, "… (10 more bytes not shown)", lines[1])
}

func TestDescribeDiff(t *testing.T) {
	tests := []struct {
		name, want, got, say string
	}{
		{"equal", "abc", "abc", ""},
		{"status differs", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 404 Not Found\r\n",
			`they first differ at byte 9 (line 1, column 10): expected "200 OK\r\n", got "404 Not Found\r\n"`},
		{"second line", "a\r\nbc", "a\r\nbd",
			`they first differ at byte 4 (line 2, column 2): expected "c", got "d"`},
		{"short", "hello\n", "hel",
			`they first differ at byte 3 (line 1, column 4): expected "lo\n", but the response ended there`},
		{"extra", "hi", "hi!!",
			`they first differ at byte 2 (line 1, column 3): expected nothing more, got extra bytes "!!"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.say, describeDiff([]byte(tt.want), []byte(tt.got)))
		})
	}
}

// TestPrintfQuote runs each quoted string through the shell's printf, so
// the reproduce commands the tester prints are known to send the bytes.
func TestPrintfQuote(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	inputs := []string{
		"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"100% it's \\ fine\t\x00\x01\xff",
		"",
	}
	for _, in := range inputs {
		out, err := exec.Command("sh", "-c", "printf "+printfQuote([]byte(in))).Output()
		require.NoError(t, err, in)
		assert.Equal(t, in, string(out))
	}
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, "./server", shellQuote("./server"))
	assert.Equal(t, "'python3 app.py'", shellQuote("python3 app.py"))
	assert.Equal(t, `'it'\''s'`, shellQuote("it's"))
	assert.Equal(t, "''", shellQuote(""))
}

func TestChecksFor(t *testing.T) {
	one := checksFor(1, false)
	require.NotEmpty(t, one)
	assert.Equal(t, "bind", one[0].slug, "binding is always the first check")
	assert.True(t, one[0].always, "-run must not skip binding")

	seen := map[string]bool{}
	for _, c := range registry {
		assert.False(t, seen[c.slug], "slug %q registered twice", c.slug)
		seen[c.slug] = true
		assert.NotEmpty(t, c.read, "check %q must say what to read when it fails", c.slug)
		assert.NotNil(t, c.run, "check %q has no run function", c.slug)
		assert.False(t, strings.ContainsAny(c.slug, " _"), "slug %q: use lowercase words and dashes", c.slug)
	}
	for n := 1; n <= 6; n++ {
		for _, c := range checksFor(n, true) {
			assert.LessOrEqual(t, c.stage, n)
			assert.True(t, c.until == 0 || c.until >= n, "check %q ended before stage %d", c.slug, n)
		}
	}
}
