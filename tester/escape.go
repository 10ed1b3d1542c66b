package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxShown caps how many bytes of a message the tester prints, so a 1 MiB
// payload cannot flood a learner's terminal.
const maxShown = 600

// escapeBytes renders raw bytes so that every CR and LF is visible: "\r\n"
// stays on the line it ends, and the printed text breaks after each "\n" so a
// message still reads as lines. Other control bytes and invalid UTF-8 appear
// as Go escapes.
func escapeBytes(b []byte) []string {
	if len(b) == 0 {
		return []string{"(nothing)"}
	}
	shown := b
	if len(shown) > maxShown {
		shown = shown[:maxShown]
	}
	var lines []string
	var cur strings.Builder
	for len(shown) > 0 {
		r, size := utf8.DecodeRune(shown)
		switch {
		case r == '\n':
			cur.WriteString(`\n`)
			lines = append(lines, cur.String())
			cur.Reset()
		case r == '\r':
			cur.WriteString(`\r`)
		case r == '\t':
			cur.WriteString(`\t`)
		case r == '\\':
			cur.WriteString(`\\`)
		case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7f:
			fmt.Fprintf(&cur, `\x%02x`, shown[0])
		default:
			cur.WriteRune(r)
		}
		shown = shown[size:]
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	if len(b) > maxShown {
		lines = append(lines, fmt.Sprintf("… (%d more bytes not shown)", len(b)-maxShown))
	}
	return lines
}

// quote renders a short byte string on one line, escapes visible.
func quote(b []byte) string { return strconv.Quote(string(b)) }

// firstDiff returns the index of the first byte where got and want differ,
// or -1 if they are equal. A prefix differs at the end of the shorter one.
func firstDiff(want, got []byte) int {
	n := min(len(want), len(got))
	for i := 0; i < n; i++ {
		if want[i] != got[i] {
			return i
		}
	}
	if len(want) == len(got) {
		return -1
	}
	return n
}

// around returns up to width bytes of b from index i on, for showing
// both sides of a difference from the byte where they part.
func around(b []byte, i, width int) []byte {
	if i >= len(b) {
		return nil
	}
	return b[i:min(len(b), i+width)]
}

// describeDiff explains where want and got first differ, in words a learner
// can act on: the byte offset, the line and column, and both sides there.
func describeDiff(want, got []byte) string {
	i := firstDiff(want, got)
	if i < 0 {
		return ""
	}
	line := 1 + strings.Count(string(want[:i]), "\n")
	col := i - strings.LastIndexByte(string(want[:i]), '\n')
	where := fmt.Sprintf("they first differ at byte %d (line %d, column %d)", i, line, col)
	switch {
	case i >= len(got):
		return fmt.Sprintf("%s: expected %s, but the response ended there", where, quote(around(want, i, 24)))
	case i >= len(want):
		return fmt.Sprintf("%s: expected nothing more, got extra bytes %s", where, quote(around(got, i, 24)))
	}
	return fmt.Sprintf("%s: expected %s, got %s", where, quote(around(want, i, 24)), quote(around(got, i, 24)))
}

// printfQuote renders b as a single-quoted printf format that prints b
// exactly: CR and LF as \r and \n, other unprintable bytes in octal, and
// printf's own % and \ escaped.
func printfQuote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('\'')
	for _, c := range b {
		switch {
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '%':
			sb.WriteString("%%")
		case c == '\'':
			sb.WriteString(`'\''`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\%03o`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}

// escapeLine renders one line of a server's own output for the terminal.
// Control characters (ESC, BEL, backspace, the C1 controls), the Unicode
// bidirectional overrides and invalid UTF-8 appear as Go escapes, so that a
// server cannot retitle, clear, recolour or reorder the learner's terminal;
// tabs and printable text, backslashes included, are shown as they are.
func escapeLine(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20 && r != '\t', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r >= 0x80 && r < 0xa0, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}
