package main

import (
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A terminal is where "tester card" and "tester status" write: how wide
// its lines may be, and whether it takes ANSI styles.
type terminal struct {
	width int
	ansi  bool
}

// defaultWidth is the width of a terminal that does not say: the
// traditional 80 columns.
const defaultWidth = 80

// terminalFor describes w: its width from COLUMNS, as shells export it, and
// ANSI styles only on a terminal without NO_COLOR (wantColour).
func terminalFor(w io.Writer) terminal {
	t := terminal{width: defaultWidth}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= 20 {
		t.width = n
	}
	if f, ok := w.(*os.File); ok {
		t.ansi = wantColour(f)
	}
	return t
}

// underlineStyle marks a top-level heading; only the terminal draws it.
const underlineStyle spanStyle = 1 << 7

// paint applies style to s, on a terminal that takes ANSI styles.
func (t terminal) paint(style spanStyle, s string) string {
	if !t.ansi || style == 0 || s == "" {
		return s
	}
	var codes []string
	for _, c := range []struct {
		style spanStyle
		sgr   string
	}{{strongStyle, "1"}, {emphasisStyle, "3"}, {underlineStyle, "4"}, {codeStyle, "36"}, {linkStyle, "2"}} {
		if style&c.style != 0 {
			codes = append(codes, c.sgr)
		}
	}
	return "\x1b[" + strings.Join(codes, ";") + "m" + s + "\x1b[0m"
}

// A word is what wrapping never breaks: the spans between two spaces.
type word []mdSpan

func (w word) width() int {
	n := 0
	for _, sp := range w {
		n += utf8.RuneCountInString(sp.text)
	}
	return n
}

// splitWords splits spans at their spaces. Prose breaks at every run of
// spaces; code breaks at a single space only, so that "GET  /", whose two
// spaces are the point, stays whole.
func splitWords(spans []mdSpan) []word {
	var out []word
	var cur word
	var text strings.Builder
	push := func(style spanStyle) {
		if text.Len() > 0 {
			cur = append(cur, mdSpan{text.String(), style})
			text.Reset()
		}
	}
	for _, sp := range spans {
		s := sp.text
		for i := 0; i < len(s); i++ {
			breaks := s[i] == ' ' && (sp.style&codeStyle == 0 ||
				(i > 0 && s[i-1] != ' ' && i+1 < len(s) && s[i+1] != ' '))
			if !breaks {
				text.WriteByte(s[i])
				continue
			}
			push(sp.style)
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
		}
		push(sp.style)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// wrap fills lines of at most width columns with words, splitting only a
// word that is wider than a line by itself. A space between two words of
// one style takes that style, so that an underlined heading is underlined
// from end to end.
func (t terminal) wrap(ws []word, width int) []string {
	width = max(width, 1)
	var lines []string
	var line []mdSpan
	used := 0
	emit := func() {
		lines = append(lines, t.paintSpans(line))
		line, used = nil, 0
	}
	for _, w := range ws {
		for k, piece := range splitWide(w, width) {
			n := piece.width()
			if used > 0 && (k > 0 || used+1+n > width) {
				emit() // the pieces of a word cut in two go on lines of their own
			}
			if used > 0 {
				line = append(line, mdSpan{" ", line[len(line)-1].style & piece[0].style})
				used++
			}
			line = append(line, piece...)
			used += n
		}
	}
	if used > 0 || len(lines) == 0 {
		emit()
	}
	return lines
}

// paintSpans paints each run of spans of one style once.
func (t terminal) paintSpans(spans []mdSpan) string {
	var b strings.Builder
	for i := 0; i < len(spans); {
		var run strings.Builder
		j := i
		for ; j < len(spans) && spans[j].style == spans[i].style; j++ {
			run.WriteString(spans[j].text)
		}
		b.WriteString(t.paint(spans[i].style, run.String()))
		i = j
	}
	return b.String()
}

// splitWide cuts a word wider than width into pieces that fit: after an
// escaped line end ("\r\n" in a request) when one is near the edge, and
// never between a backslash and the letter it escapes.
func splitWide(w word, width int) []word {
	if w.width() <= width {
		return []word{w}
	}
	var runes []rune
	var styles []spanStyle
	for _, sp := range w {
		for _, r := range sp.text {
			runes = append(runes, r)
			styles = append(styles, sp.style)
		}
	}
	var pieces []word
	for len(runes) > 0 {
		n := min(len(runes), width)
		if n < len(runes) {
			n = cutAt(runes[:n])
		}
		var piece word
		for i := 0; i < n; {
			j := i
			for j < n && styles[j] == styles[i] {
				j++
			}
			piece = append(piece, mdSpan{string(runes[i:j]), styles[i]})
			i = j
		}
		pieces = append(pieces, piece)
		runes, styles = runes[n:], styles[n:]
	}
	return pieces
}

// cutAt chooses where to end a line of the runes of a word too long for it.
func cutAt(line []rune) int {
	n := len(line)
	for i := n; i >= max(2, n/2); i-- {
		if line[i-2] == '\\' && line[i-1] == 'n' {
			return i
		}
	}
	if n > 1 && line[n-1] == '\\' {
		return n - 1
	}
	return n
}

// visibleWidth is how many columns s takes, its ANSI styles left out.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			if j := strings.IndexByte(s[i:], 'm'); j >= 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// padVisible fills s with spaces to width columns.
func padVisible(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-visibleWidth(s)))
}

// prefixLines puts first before the first line and rest before the others,
// leaving blank lines blank.
func prefixLines(lines []string, first, rest string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		p := rest
		if i == 0 {
			p = first
		}
		if l != "" {
			l = p + l
		}
		out[i] = l
	}
	return out
}
