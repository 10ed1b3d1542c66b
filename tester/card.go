package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"httpworkbook/stages"
)

// runCard is "go run ./tester card [-dir DIR] [N]": stage N's card from the
// embedded catalog, rendered for the terminal, so that the instructions
// are where the tester's failures are, as "codecrafters task" has them.
// With -dir and no N, it is the card of DIR's current stage.
func runCard(args []string, stdout, stderr io.Writer) int {
	flags := subcommandFlags("card", `Usage: go run ./tester card [-dir DIR] [N | SLUG]

Prints stage N's card: what to build, every check and the hints. COLUMNS sets
the width; NO_COLOR, or a pipe, turns styles off (less -R keeps them).
`, stderr)
	dir := flags.String("dir", "", "show the card of the stage this `DIR` is working on, when no N is given")
	rest, err := parseInterspersed(flags, args)
	if err != nil {
		return 2
	}
	all, err := stages.All()
	if err != nil {
		fmt.Fprintf(stderr, "tester card: %v\n", err)
		return 2
	}
	var st stages.Stage
	var p *progress
	if *dir != "" {
		if p, err = loadProgress(*dir); err != nil {
			fmt.Fprintf(stderr, "tester card: %v\n", err)
			return 2
		}
	}
	switch {
	case len(rest) > 1:
		fmt.Fprintf(stderr, "tester card: name one stage, as in: go run ./tester card 2\n")
		return 2
	case len(rest) == 1:
		var ok bool
		if st, ok = findStage(all, rest[0]); !ok {
			fmt.Fprintf(stderr, "tester card: no stage %q; the stages are %s\n", rest[0], stageList(all))
			return 2
		}
	case p != nil:
		var ok bool
		if st, ok = p.current(all); !ok {
			st = all[len(all)-1]
			fmt.Fprintf(stderr, "Every stage has passed; here is the last card.\n")
		}
	default:
		fmt.Fprintf(stderr, "tester card: name a stage, as in: go run ./tester card 2 (or give -dir DIR for its current one); the stages are %s\n", stageList(all))
		return 2
	}
	t := terminalFor(stdout)
	passed := false
	if p != nil {
		_, passed = p.passed(st)
	}
	io.WriteString(stdout, renderCard(t, st, passed))
	footer := fmt.Sprintf("This card is stages/%s in the workbook.", st.Card)
	if st.Number < len(all) {
		footer += fmt.Sprintf(" Next: go run ./tester card %d", st.Number+1)
	}
	fmt.Fprintln(stdout)
	for _, l := range t.wrap(splitWords([]mdSpan{{footer, linkStyle}}), t.width) {
		fmt.Fprintln(stdout, l)
	}
	return 0
}

// findStage finds a stage by number or by slug.
func findStage(all []stages.Stage, name string) (stages.Stage, bool) {
	n, err := strconv.Atoi(name)
	for _, st := range all {
		if (err == nil && st.Number == n) || st.Slug == name {
			return st, true
		}
	}
	return stages.Stage{}, false
}

// stageList names the stages for an error message: "1 (echo), 2 (parse)…".
func stageList(all []stages.Stage) string {
	names := make([]string, len(all))
	for i, st := range all {
		names[i] = fmt.Sprintf("%d (%s)", st.Number, st.Slug)
	}
	return strings.Join(names, ", ")
}

// renderMarkdown renders a card for t, one blank line between blocks.
func renderMarkdown(t terminal, src string) string {
	return renderBlocks(t, parseMarkdown(src))
}

func renderBlocks(t terminal, blocks []mdBlock) string {
	lines := t.renderBlocks(blocks, t.width)
	return strings.Join(lines, "\n") + "\n"
}

// renderCard renders st's card for t. Until the learner's repository has
// passed the stage, the paragraph that points at its reference solution
// says instead when the tester will: the references stay in the workbook
// for instructors, but the tester names one only after its stage passes.
func renderCard(t terminal, st stages.Stage, passed bool) string {
	blocks := parseMarkdown(st.Body)
	if !passed {
		for i, b := range blocks {
			if b.kind == paragraphBlock && strings.Contains(b.text, st.Dir) {
				blocks[i].text = fmt.Sprintf("Read [the chapter](../%s) as you build. Once your stage passes, the tester names its reference solution, and the diff that shows what the stage changed.", chapterOf(st))
			}
		}
	}
	return renderBlocks(t, blocks)
}

func (t terminal) renderBlocks(blocks []mdBlock, width int) []string {
	var lines []string
	for i, b := range blocks {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, t.renderBlock(b, width)...)
	}
	return lines
}

func (t terminal) renderBlock(b mdBlock, width int) []string {
	switch b.kind {
	case headingBlock:
		return t.renderHeading(b, width)
	case codeBlock:
		// Code is shown as written, never wrapped: a terminal folds a long
		// line, and a copied command must stay one line.
		out := make([]string, len(b.code))
		for i, l := range b.code {
			out[i] = "    " + t.paint(codeStyle, l)
		}
		return out
	case listBlock:
		return t.renderList(b, width)
	case tableBlock:
		return t.renderTable(b, width)
	}
	return t.wrap(splitWords(parseInline(b.text, 0)), width)
}

// renderHeading emphasises a heading: bold, and underlined for the title,
// on a terminal; elsewhere underlined with a row of = or -, which reads as
// a heading in any plain text.
func (t terminal) renderHeading(b mdBlock, width int) []string {
	style := strongStyle
	if b.level == 1 {
		style |= underlineStyle
	}
	spans := parseInline(b.text, style)
	lines := t.wrap(splitWords(spans), width)
	if t.ansi || b.level > 2 {
		return lines
	}
	rule := "="
	if b.level == 2 {
		rule = "-"
	}
	longest := 0
	for _, l := range lines {
		longest = max(longest, visibleWidth(l))
	}
	return append(lines, strings.Repeat(rule, longest))
}

func (t terminal) renderList(b mdBlock, width int) []string {
	markerWidth := 1
	for _, it := range b.items {
		markerWidth = max(markerWidth, len(it.marker))
	}
	var lines []string
	for i, it := range b.items {
		marker := it.marker
		if !b.ordered && t.ansi {
			marker = "•"
		}
		first := strings.Repeat(" ", markerWidth-len(it.marker)) + marker + " "
		if !b.ordered {
			first = marker + " "
		}
		rest := strings.Repeat(" ", visibleWidth(first))
		if i > 0 && b.loose {
			lines = append(lines, "")
		}
		body := t.renderBlocks(it.blocks, width-len(rest))
		if len(body) == 0 {
			body = []string{""}
		}
		lines = append(lines, prefixLines(body, first, rest)...)
	}
	return lines
}

// renderTable aligns a table's columns, wrapping the widest cells when the
// table is wider than the terminal; rows that take several lines are then
// kept apart by a blank line.
func (t terminal) renderTable(b mdBlock, width int) []string {
	const gap = "  "
	cols := 0
	for _, row := range b.rows {
		cols = max(cols, len(row))
	}
	cells, widths := tableCells(b, cols)
	fitColumns(widths, width-len(gap)*(cols-1))

	wrapped := make([][][]string, len(cells)) // row, column, line
	heights := make([]int, len(cells))
	tall := false
	for r := range cells {
		wrapped[r] = make([][]string, cols)
		heights[r] = 1
		for c := range cols {
			wrapped[r][c] = t.wrap(cells[r][c], widths[c])
			heights[r] = max(heights[r], len(wrapped[r][c]))
		}
		tall = tall || (r > 0 && heights[r] > 1)
	}
	var lines []string
	for r := range cells {
		if r > 1 && tall {
			lines = append(lines, "")
		}
		for i := range heights[r] {
			parts := make([]string, cols)
			for c := range cols {
				s := ""
				if i < len(wrapped[r][c]) {
					s = wrapped[r][c][i]
				}
				parts[c] = padVisible(s, widths[c])
			}
			lines = append(lines, strings.TrimRight(strings.Join(parts, gap), " "))
		}
		if r == 0 {
			rules := make([]string, cols)
			for c, w := range widths {
				rules[c] = strings.Repeat("-", w)
			}
			lines = append(lines, strings.Join(rules, gap))
		}
	}
	return lines
}

// tableCells splits every cell of a table into words, the header's bold,
// and measures each column's width on one line.
func tableCells(b mdBlock, cols int) (cells [][][]word, widths []int) {
	cells = make([][][]word, len(b.rows))
	widths = make([]int, cols)
	for r, row := range b.rows {
		cells[r] = make([][]word, cols)
		for c := range cols {
			var style spanStyle
			if r == 0 {
				style = strongStyle
			}
			if c < len(row) {
				cells[r][c] = splitWords(parseInline(row[c], style))
			}
			widths[c] = max(widths[c], lineWidth(cells[r][c]))
		}
	}
	return cells, widths
}

// lineWidth is the width of words set on one line.
func lineWidth(ws []word) int {
	n := 0
	for i, w := range ws {
		if i > 0 {
			n++
		}
		n += w.width()
	}
	return n
}

// fitColumns narrows the widest columns, one column at a time, until they
// fit in avail or none is wider than a short word.
func fitColumns(widths []int, avail int) {
	const narrowest = 8
	for {
		total, widest := 0, 0
		for c, w := range widths {
			total += w
			if w > widths[widest] {
				widest = c
			}
		}
		if total <= avail || widths[widest] <= narrowest {
			return
		}
		widths[widest]--
	}
}
