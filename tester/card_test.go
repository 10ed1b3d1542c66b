package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"httpworkbook/stages"
)

func TestParseInline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []mdSpan
	}{
		{"plain\ntext", []mdSpan{{"plain text", 0}}},
		{"a **bold** word", []mdSpan{{"a ", 0}, {"bold", strongStyle}, {" word", 0}}},
		{"*the RFC*", []mdSpan{{"the RFC", emphasisStyle}}},
		{"ends in `\\r\\n`", []mdSpan{{"ends in ", 0}, {`\r\n`, codeStyle}}},
		{"`GET  / HTTP/1.1`", []mdSpan{{"GET  / HTTP/1.1", codeStyle}}},
		{"``a ` b``", []mdSpan{{"a ` b", codeStyle}}},
		{"`/files/*path` and *name", []mdSpan{{"/files/*path", codeStyle}, {" and *name", 0}}},
		{"**a `code` in bold**", []mdSpan{{"a ", strongStyle}, {"code", strongStyle | codeStyle}, {" in bold", strongStyle}}},
		{"2 * 3 * 4", []mdSpan{{"2 * 3 * 4", 0}}},
		{`a \* star`, []mdSpan{{"a * star", 0}}},
		{"[the chapter](../docs/02-parse.md).", []mdSpan{{"the chapter", 0}, {" (", 0}, {"docs/02-parse.md", linkStyle}, {")", 0}, {".", 0}}},
		{"[`stage02_parse/`](../stage02_parse/)", []mdSpan{{"stage02_parse/", codeStyle}}},
		{"[net](https://pkg.go.dev/net)", []mdSpan{{"net", 0}, {" (", 0}, {"https://pkg.go.dev/net", linkStyle}, {")", 0}}},
		{"an `unclosed code", []mdSpan{{"an `unclosed code", 0}}},
	} {
		assert.Equal(t, tc.want, parseInline(tc.in, 0), "%q", tc.in)
	}
}

func TestWrapKeepsCodeWholeAndFits(t *testing.T) {
	term := terminal{width: 20}
	lines := term.wrap(splitWords(parseInline("sends `GET  / HTTP/1.1` then `5\\r\\nzoneo\\r\\n6;ext=1\\r\\nzoneo!\\r\\n0\\r\\n`", 0)), 20)
	assert.Equal(t, []string{"sends GET  /", `HTTP/1.1 then`, `5\r\nzoneo\r\n`, `6;ext=1\r\n`, `zoneo!\r\n0\r\n`}, lines)
}

// TestCardRendersEveryCard renders every card of the catalog the ways a
// learner may see it, and checks what any rendering must hold.
func TestCardRendersEveryCard(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	codeSGR := regexp.MustCompile("\x1b\\[36m[^\x1b]*\x1b\\[0m")
	for _, st := range all {
		for _, term := range []terminal{{width: 80}, {width: 44}, {width: 120, ansi: true}} {
			out := renderMarkdown(term, st.Body)
			code := codeLines(parseMarkdown(st.Body))
			prose := out
			if term.ansi {
				prose = codeSGR.ReplaceAllString(out, "")
			}
			for i, line := range strings.Split(prose, "\n") {
				if code[strings.TrimSpace(line)] {
					continue
				}
				assert.LessOrEqual(t, visibleWidth(line), term.width, "%s at %d columns, line %d: %q", st.Card, term.width, i+1, line)
				if !term.ansi {
					continue // plain code spans may hold anything
				}
				assert.NotContains(t, line, "**", "%s, line %d", st.Card, i+1)
				assert.NotContains(t, line, "`", "%s, line %d", st.Card, i+1)
				assert.NotRegexp(t, `\]\(`, line, "%s, line %d", st.Card, i+1)
			}
			assert.Contains(t, out, `\n`, "%s: \\n stays two characters", st.Card)
			if strings.Contains(st.Body, `\r\n`) {
				assert.Contains(t, out, `\r\n`, "%s: \\r\\n stays four characters", st.Card)
			}
		}
	}
}

// codeLines is the set of a card's code-block lines, trimmed: the lines
// a terminal shows unwrapped.
func codeLines(blocks []mdBlock) map[string]bool {
	set := map[string]bool{}
	for _, b := range blocks {
		for _, l := range b.code {
			set[strings.TrimSpace(terminal{}.paint(codeStyle, l))] = true
		}
		for _, it := range b.items {
			for k := range codeLines(it.blocks) {
				set[k] = true
			}
		}
	}
	return set
}

// TestCardTablesAligned renders every table of every card, alone, and
// checks that each line keeps its cells inside the columns the rule under
// the header draws.
func TestCardTablesAligned(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	tables := 0
	for _, st := range all {
		for _, b := range allBlocks(parseMarkdown(st.Body)) {
			if b.kind != tableBlock {
				continue
			}
			tables++
			for _, width := range []int{80, 50} {
				lines := terminal{width: width}.renderTable(b, width)
				require.GreaterOrEqual(t, len(lines), 3)
				rule := ruleLine(lines)
				starts := columnStarts(rule)
				require.Len(t, starts, len(b.rows[0]), "%s: the rule has a dash run per column: %q", st.Card, rule)
				for _, line := range lines {
					runes := []rune(line)
					for _, s := range starts[1:] {
						if s-2 < len(runes) {
							assert.Equal(t, "  ", string(runes[s-2:s]), "%s at %d: a cell spills over the gap before column %d: %q", st.Card, width, s, line)
						}
					}
				}
			}
		}
	}
	assert.GreaterOrEqual(t, tables, 4, "the cards have tables to test")
}

// ruleLine returns the rule under a table's head, which a head of wrapped
// cells pushes below the first line.
func ruleLine(lines []string) string {
	for _, l := range lines {
		if strings.Trim(l, "- ") == "" && strings.Contains(l, "-") {
			return l
		}
	}
	return ""
}

func allBlocks(blocks []mdBlock) []mdBlock {
	var out []mdBlock
	for _, b := range blocks {
		out = append(out, b)
		for _, it := range b.items {
			out = append(out, allBlocks(it.blocks)...)
		}
	}
	return out
}

// columnStarts finds where each run of dashes starts in a table's rule.
func columnStarts(rule string) []int {
	var starts []int
	for i, r := range []rune(rule) {
		if r == '-' && (i == 0 || []rune(rule)[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	return starts
}

// TestCardTwo checks the rendering of one card line by line, where it
// matters: the title, a table, a list, code, a link, the footer.
func TestCardTwo(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, runMain([]string{"card", "2"}, &stdout, &stderr), stderr.String())
	lines := strings.Split(stdout.String(), "\n")
	require.Greater(t, len(lines), 30)
	assert.Equal(t, []string{"Stage 2: Parse HTTP/1.1 requests", "================================", ""}, lines[:3])
	for _, want := range []string{
		"the blank line (\\r\\n\\r\\n), then exactly Content-Length bytes of body. Get that",
		"Read the chapter (docs/02-parse.md) as you build. Once your stage passes, the",
		"What to build",
		"-------------",
		"request          response",
		"GET /echo/{str}  200 OK, Content-Type: text/plain, body {str}",
		"anything else    404 Not Found",
		"- Read a request's body, Content-Length bytes, even when no route uses it.",
		" 9. three connections opened together, used in reverse order: as in stage 1,",
		"10. a POST body to an unknown path is read: POST /kobari with Content-Type:",
		"    text/plain and a body of about 2,800 bytes; expects 404 Not Found, then a",
		"User-Agent curl\\r\\n (no    400 Bad Request (RFC 9112  the close",
		"- Chapter 2: parsing HTTP/1.1 (docs/02-parse.md)",
		"This card is stages/02-parse.md in the workbook. Next: go run ./tester card 3",
	} {
		assert.Contains(t, lines, want)
	}
}

func TestCardArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // on stdout, or stderr when code is not 0
	}{
		{[]string{"card", "parse"}, 0, "Stage 2: Parse HTTP/1.1 requests"},
		{[]string{"card", "-dir", "DIR"}, 0, "Stage 1: A TCP echo server"},
		{[]string{"card", "9"}, 2, `no stage "9"; the stages are 1 (echo), 2 (parse)`},
		{[]string{"card"}, 2, "name a stage, as in: go run ./tester card 2"},
		{[]string{"card", "1", "2"}, 2, "name one stage"},
	} {
		for i, a := range tc.args {
			if a == "DIR" {
				tc.args[i] = t.TempDir()
			}
		}
		var stdout, stderr bytes.Buffer
		code := runMain(tc.args, &stdout, &stderr)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, stderr.String())
		got := stdout.String()
		if tc.code != 0 {
			got = stderr.String()
		}
		assert.Contains(t, got, tc.out, "%v", tc.args)
	}
}

// TestCardNamesTheReferenceOnlyAfterAPass: the card a learner reads in the
// terminal points at the stage's reference solution only once the
// learner's repository has passed that stage.
func TestCardNamesTheReferenceOnlyAfterAPass(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	for _, st := range all {
		before := renderCard(terminal{width: 80}, st, false)
		assert.NotContains(t, before, st.Dir, "card %d names its reference before a pass", st.Number)
		assert.Contains(t, strings.Join(strings.Fields(before), " "), "Once your stage passes, the tester names its reference solution", "card %d", st.Number)
		assert.Contains(t, before, chapterOf(st), "card %d still names its chapter", st.Number)
		assert.Contains(t, renderCard(terminal{width: 80}, st, true), st.Dir+"/", "card %d names its reference after a pass", st.Number)
	}

	dir := t.TempDir()
	_, err = recordOutcome(dir, all[0], true, "", 1)
	require.NoError(t, err)
	for _, tc := range []struct {
		args []string
		show bool
	}{
		{[]string{"card", "1"}, false},
		{[]string{"card", "-dir", dir, "1"}, true},
		{[]string{"card", "-dir", dir, "2"}, false},
		{[]string{"card", "-dir", dir}, false}, // the current stage, 2
	} {
		var stdout, stderr bytes.Buffer
		require.Equal(t, 0, runMain(tc.args, &stdout, &stderr), stderr.String())
		if tc.show {
			assert.Contains(t, stdout.String(), "stage01_echo/", "%v", tc.args)
		} else {
			assert.NotRegexp(t, `stage0\d_`, stdout.String(), "%v", tc.args)
		}
	}
}

// TestCardsNameTheirChecks keeps the cards' promise that no requirement
// claims more than a check shows: every check is named, by its slug, in
// the card of the stage it belongs to, and every card says what no check
// verifies, so that a learner knows where their own tests must stand in.
// And the place a failure says to read exists, heading included.
func TestCardsNameTheirChecks(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	for _, st := range all {
		assert.Contains(t, st.Body, "\n## Not checked by the tester\n", "card %d", st.Number)
	}
	for _, c := range registry {
		require.True(t, c.stage >= 1 && c.stage <= len(all), "%s: stage %d", c.slug, c.stage)
		assert.Contains(t, all[c.stage-1].Body, "`"+c.slug+"`", "card %d does not name the check %s", c.stage, c.slug)
		for _, place := range strings.Split(c.read, " and ") {
			assert.True(t, docPlaceExists(t, place), "%s: read: %s names no heading", c.slug, place)
		}
	}
}
