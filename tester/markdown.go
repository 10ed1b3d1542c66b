package main

import (
	"path"
	"regexp"
	"strings"
)

// This file parses the Markdown of the cards in stages/, for "tester card"
// to print. It knows what the cards use, and nothing more: ATX headings,
// paragraphs, "-" and "1." lists that hold other blocks, fenced code,
// pipe tables, and inline code, **strong**, *emphasis* and [links](url).
// Anything else is shown as the text it is. stages/*.md are the test.

// A mdBlock is one block of a card.
type mdBlock struct {
	kind    blockKind
	level   int          // a heading's, 1 for #
	text    string       // a heading's or a paragraph's inline Markdown
	code    []string     // a code block's lines, as written
	items   []mdListItem // a list's
	ordered bool         // a list numbered "1." rather than bulleted
	loose   bool         // a list whose items are apart, shown with blank lines between
	rows    [][]string   // a table's cells, inline Markdown; rows[0] is the header
}

type blockKind int

const (
	paragraphBlock blockKind = iota
	headingBlock
	codeBlock
	listBlock
	tableBlock
)

type mdListItem struct {
	marker string // "-" or "12."
	blocks []mdBlock
}

var (
	headingLine   = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	listMarker    = regexp.MustCompile(`^(-|\*|[0-9]{1,9}\.)( +|$)`)
	tableDelimRow = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$`)
)

// parseMarkdown splits Markdown into blocks.
func parseMarkdown(src string) []mdBlock {
	return parseBlocks(strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n"))
}

func parseBlocks(lines []string) []mdBlock {
	var blocks []mdBlock
	for i := 0; i < len(lines); {
		line := lines[i]
		var b mdBlock
		n := 1
		switch {
		case strings.TrimSpace(line) == "":
			i++
			continue
		case isFence(line):
			b, n = parseFence(lines[i:])
		case headingLine.MatchString(line):
			m := headingLine.FindStringSubmatch(line)
			b = mdBlock{kind: headingBlock, level: len(m[1]), text: m[2]}
		case isTableStart(lines[i:]):
			b, n = parseTable(lines[i:])
		case listMarker.MatchString(line):
			b, n = parseList(lines[i:])
		default:
			b, n = parseParagraph(lines[i:])
		}
		blocks = append(blocks, b)
		i += n
	}
	return blocks
}

func isFence(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " "), "```")
}

// startsBlock reports whether line begins a block that ends a paragraph.
func startsBlock(lines []string) bool {
	line := lines[0]
	return strings.TrimSpace(line) == "" || isFence(line) || headingLine.MatchString(line) ||
		isTableStart(lines) || listMarker.MatchString(line)
}

func parseFence(lines []string) (mdBlock, int) {
	b := mdBlock{kind: codeBlock}
	indent := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
	for i := 1; i < len(lines); i++ {
		if isFence(lines[i]) {
			return b, i + 1
		}
		b.code = append(b.code, trimIndent(lines[i], indent))
	}
	return b, len(lines) // unclosed: the rest of the card is code
}

// trimIndent removes up to n leading spaces.
func trimIndent(line string, n int) string {
	i := 0
	for i < n && i < len(line) && line[i] == ' ' {
		i++
	}
	return line[i:]
}

func parseParagraph(lines []string) (mdBlock, int) {
	n := 1
	for n < len(lines) && !startsBlock(lines[n:]) {
		n++
	}
	text := make([]string, n)
	for i, l := range lines[:n] {
		text[i] = strings.TrimSpace(l)
	}
	return mdBlock{kind: paragraphBlock, text: strings.Join(text, "\n")}, n
}

// isTableStart reports whether lines open a pipe table: a row, then the
// row of dashes under the header.
func isTableStart(lines []string) bool {
	return len(lines) > 1 && strings.HasPrefix(strings.TrimSpace(lines[0]), "|") &&
		tableDelimRow.MatchString(strings.TrimSpace(lines[1]))
}

func parseTable(lines []string) (mdBlock, int) {
	b := mdBlock{kind: tableBlock, rows: [][]string{splitRow(lines[0])}}
	n := 2
	for ; n < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[n]), "|"); n++ {
		b.rows = append(b.rows, splitRow(lines[n]))
	}
	return b, n
}

// splitRow splits a table row at the pipes that are not escaped and not
// inside inline code.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, `\|`) {
		line = line[:len(line)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(line); i++ {
		if k := skipOpaque(line, i); k != i {
			i = k
			continue
		}
		if line[i] == '|' {
			cells = append(cells, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(cells, strings.TrimSpace(line[start:]))
}

// parseList reads the items of one list: each starts at a marker, and its
// other lines are indented to the item's text or continue its paragraph.
func parseList(lines []string) (mdBlock, int) {
	b := mdBlock{kind: listBlock, ordered: lines[0][0] != '-' && lines[0][0] != '*'}
	i := 0
	for i < len(lines) {
		m := listMarker.FindStringSubmatch(lines[i])
		if m == nil || (m[1][0] >= '0' && m[1][0] <= '9') != b.ordered {
			break
		}
		width := len(m[0])
		if m[2] == "" {
			width++ // an empty item: its text, if any, is on the next lines
		}
		body := []string{lines[i][len(m[0]):]}
		j := i + 1
		for ; j < len(lines); j++ {
			line := lines[j]
			indented := strings.HasPrefix(line, strings.Repeat(" ", width))
			switch {
			case strings.TrimSpace(line) == "" || indented:
				body = append(body, trimIndent(line, width))
				continue
			case strings.TrimSpace(lines[j-1]) != "" && !startsBlock(lines[j:]):
				body = append(body, strings.TrimSpace(line)) // a lazy continuation line
				continue
			}
			break
		}
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		blocks := parseBlocks(body)
		b.items = append(b.items, mdListItem{marker: m[1], blocks: blocks})
		// A blank line between two of its items, or between two blocks of
		// one, makes a list loose.
		nextItem := j < len(lines) && listMarker.MatchString(lines[j])
		b.loose = b.loose || len(blocks) > 1 || (nextItem && strings.TrimSpace(lines[j-1]) == "")
		i = j
	}
	// Blank lines after the last item belong to no one.
	for i > 0 && strings.TrimSpace(lines[i-1]) == "" {
		i--
	}
	return b, i
}

// mdSpan is a run of text in one style.
type mdSpan struct {
	text  string
	style spanStyle
}

type spanStyle uint8

const (
	strongStyle spanStyle = 1 << iota
	emphasisStyle
	codeStyle
	linkStyle // a link's address, shown after its text
)

// parseInline turns a paragraph's Markdown into styled spans. Line breaks
// become spaces, as they do in any Markdown renderer; inside code, every
// character but those is kept as written, so "\r\n" stays four characters.
func parseInline(s string, style spanStyle) []mdSpan {
	var spans []mdSpan
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			spans = append(spans, mdSpan{text.String(), style})
			text.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			text.WriteByte(s[i+1])
			i++
		case c == '`':
			end, code, ok := codeSpanAt(s, i)
			if !ok {
				n := runLength(s, i, '`')
				text.WriteString(s[i : i+n])
				i += n - 1
				continue
			}
			flush()
			spans = append(spans, mdSpan{code, style | codeStyle})
			i = end - 1
		case c == '*':
			delim := "*"
			inner := emphasisStyle
			if strings.HasPrefix(s[i:], "**") {
				delim, inner = "**", strongStyle
			}
			end := closingDelim(s, i+len(delim), delim)
			if end < 0 {
				text.WriteString(delim)
				i += len(delim) - 1
				continue
			}
			flush()
			spans = append(spans, parseInline(s[i+len(delim):end], style|inner)...)
			i = end + len(delim) - 1
		case c == '[':
			label, url, end, ok := linkAt(s, i)
			if !ok {
				text.WriteByte(c)
				continue
			}
			flush()
			spans = append(spans, linkSpans(parseInline(label, style), url, style)...)
			i = end - 1
		case c == '\n':
			text.WriteByte(' ')
		default:
			text.WriteByte(c)
		}
	}
	flush()
	return spans
}

func isASCIIPunct(c byte) bool {
	return strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

func runLength(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// codeSpanAt reads the code span whose opening backticks are at s[i]: it
// ends at the next run of as many backticks. It returns the index after
// the closing run and the code, with line breaks as spaces and the one
// space that pads both ends removed.
func codeSpanAt(s string, i int) (end int, code string, ok bool) {
	n := runLength(s, i, '`')
	for j := i + n; j < len(s); {
		k := strings.IndexByte(s[j:], '`')
		if k < 0 {
			return 0, "", false
		}
		j += k
		m := runLength(s, j, '`')
		if m == n {
			code = strings.ReplaceAll(s[i+n:j], "\n", " ")
			if len(code) > 2 && code[0] == ' ' && code[len(code)-1] == ' ' && strings.TrimSpace(code) != "" {
				code = code[1 : len(code)-1]
			}
			return j + m, code, true
		}
		j += m
	}
	return 0, "", false
}

// skipOpaque returns the index of the last byte of the backslash escape or
// code span that starts at s[i], or i when none does: the scanners that
// look for a delimiter pass over both.
func skipOpaque(s string, i int) int {
	switch s[i] {
	case '\\':
		if i+1 < len(s) {
			return i + 1
		}
	case '`':
		if end, _, ok := codeSpanAt(s, i); ok {
			return end - 1
		}
	}
	return i
}

// closingDelim finds the delimiter that closes emphasis opened just before
// s[from], skipping code spans; -1 when there is none. Emphasis opens only
// before a non-space and closes only after one, so "2 * 3 * 4" stays
// arithmetic.
func closingDelim(s string, from int, delim string) int {
	if from >= len(s) || s[from] == ' ' || s[from] == '\n' {
		return -1
	}
	for i := from; i < len(s); i++ {
		if k := skipOpaque(s, i); k != i {
			i = k
			continue
		}
		if strings.HasPrefix(s[i:], delim) && i > from && s[i-1] != ' ' && s[i-1] != '\n' {
			if delim == "*" && strings.HasPrefix(s[i:], "**") {
				i++ // strong inside emphasis, not its end
				continue
			}
			return i
		}
	}
	return -1
}

// linkAt reads [label](url) at s[i].
func linkAt(s string, i int) (label, url string, end int, ok bool) {
	depth := 0
	for j := i; j < len(s); j++ {
		if k := skipOpaque(s, j); k != j {
			j = k
			continue
		}
		switch s[j] {
		case '[':
			depth++
		case ']':
			depth--
			if depth > 0 {
				continue
			}
			if j+1 >= len(s) || s[j+1] != '(' {
				return "", "", 0, false
			}
			k := strings.IndexByte(s[j+2:], ')')
			if k < 0 {
				return "", "", 0, false
			}
			return s[i+1 : j], strings.TrimSpace(s[j+2 : j+2+k]), j + 2 + k + 1, true
		}
	}
	return "", "", 0, false
}

// linkSpans shows a link as its text followed by its address in
// parentheses, the address as a path from the workbook's root when it is
// relative to stages/, and only once when the text already says it.
func linkSpans(label []mdSpan, url string, style spanStyle) []mdSpan {
	url = cardLinkTarget(url)
	var text strings.Builder
	for _, sp := range label {
		text.WriteString(sp.text)
	}
	if t := text.String(); t == url || strings.TrimSuffix(t, "/") == strings.TrimSuffix(url, "/") {
		return label
	}
	return append(label, mdSpan{" (", style}, mdSpan{url, style | linkStyle}, mdSpan{")", style})
}

// cardLinkTarget turns a card's relative link, such as ../docs/02-parse.md,
// into the path a reader types from the workbook's root, docs/02-parse.md.
func cardLinkTarget(url string) string {
	if strings.Contains(url, ":") || strings.HasPrefix(url, "/") || strings.HasPrefix(url, "#") {
		return url
	}
	clean := path.Clean("stages/" + url)
	if strings.HasSuffix(url, "/") {
		clean += "/"
	}
	return clean
}
