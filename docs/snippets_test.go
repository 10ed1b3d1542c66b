// Package docs holds the workbook's chapters. Its Go code is tests: this
// one keeps the chapters honest, since every code block a chapter presents
// as an excerpt of a stage must still be in that stage's source, line for
// line, every relative link must lead somewhere, and every #anchor to a
// heading of the page it names; testnames_test.go checks that every test
// the prose names exists; routefile_test.go is the worked answer to an
// exercise of chapter 3, which the chapter quotes.
//
// A chapter marks an excerpt with an HTML comment on the line right before
// the opening fence, naming a file relative to the repository root:
//
//	<!-- snippet: stage01_echo/main.go -->
//	```go
//	func listenAddr() string {
//	```
//
// The block's lines must appear in that file in the same order and without
// gaps. Trailing whitespace is ignored; leading whitespace is not, so Go
// excerpts are indented with tabs, as gofmt writes them. Blocks without a
// marker (shell sessions, output, C for contrast) are not checked.
package docs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"httpworkbook/stages"
)

// repoRoot is the repository root as seen from this directory, where go test
// runs the package.
const repoRoot = ".."

// notYetWritten lists repository paths that chapters may link to before they
// exist: the chapters and reference solutions of stages that have not landed
// yet. A link to one of them, or to anything inside one, is not checked.
// Whoever adds a stage's chapter or directory removes its entry here in the
// same commit, so that links to it are checked from then on. Every stage
// of the workbook has landed, so the list is empty until a new one is
// planned.
var notYetWritten = []string{}

// markerRE matches a snippet marker line: <!-- snippet: path/to/file.go -->
var markerRE = regexp.MustCompile(`^<!--\s*snippet:\s*(.*?)\s*-->$`)

// snippet is one marked code block of a chapter.
type snippet struct {
	Line  int      // line of the marker in the chapter, from 1
	Path  string   // the file the marker names, relative to the repository root
	Lines []string // the block's lines, between the fences
}

// problem is something wrong with a chapter, found while reading it.
type problem struct {
	Line int
	Msg  string
}

func (p problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// fence describes an opening code fence, such as ```go or ~~~~.
type fence struct {
	char byte
	n    int
}

// openingFence reports whether line opens a fenced code block, following
// CommonMark: up to three spaces, then at least three backticks or tildes; a
// backtick fence's info string may not contain a backtick.
func openingFence(line string) (fence, bool) {
	rest := trimIndent(line)
	if rest == "" || (rest[0] != '`' && rest[0] != '~') {
		return fence{}, false
	}
	f := fence{char: rest[0]}
	for f.n < len(rest) && rest[f.n] == f.char {
		f.n++
	}
	if f.n < 3 || (f.char == '`' && strings.ContainsRune(rest[f.n:], '`')) {
		return fence{}, false
	}
	return f, true
}

// closes reports whether line closes a block opened by f: the same character,
// at least as many times, and nothing after it.
func (f fence) closes(line string) bool {
	rest := trimIndent(line)
	n := 0
	for n < len(rest) && rest[n] == f.char {
		n++
	}
	return n >= f.n && strings.TrimSpace(rest[n:]) == ""
}

// trimIndent removes up to three leading spaces, the indentation a fence may
// have; four would make an indented code block instead.
func trimIndent(line string) string {
	for i := 0; i < 3 && strings.HasPrefix(line, " "); i++ {
		line = line[1:]
	}
	return line
}

// parseChapter finds the marked code blocks of a chapter. Markers inside code
// blocks are examples, not markers, and are skipped. Problems are markers not
// followed by a fence, markers without a path, and marked blocks that never
// close.
func parseChapter(text string) ([]snippet, []problem) {
	lines := splitLines(text)
	var snippets []snippet
	var problems []problem
	for i := 0; i < len(lines); i++ {
		if f, ok := openingFence(lines[i]); ok {
			i = skipBlock(lines, i, f)
			continue
		}
		m := markerRE.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		marker := i + 1
		if m[1] == "" {
			problems = append(problems, problem{marker, "snippet marker names no file; write <!-- snippet: stage01_echo/main.go -->"})
		}
		if i+1 >= len(lines) {
			problems = append(problems, problem{marker, "snippet marker is the last line; it must be followed by a fenced code block"})
			continue
		}
		f, ok := openingFence(lines[i+1])
		if !ok {
			found := fmt.Sprintf("%q", lines[i+1])
			if strings.TrimSpace(lines[i+1]) == "" {
				found = "a blank line"
			}
			problems = append(problems, problem{marker, "snippet marker must be followed on the next line by a fenced code block (```go), found " + found})
			continue
		}
		end := skipBlock(lines, i+1, f)
		if end == len(lines) {
			problems = append(problems, problem{marker, fmt.Sprintf("the code block opened at line %d is never closed", i+2)})
			continue
		}
		if m[1] != "" {
			snippets = append(snippets, snippet{Line: marker, Path: m[1], Lines: lines[i+2 : end]})
		}
		i = end
	}
	return snippets, problems
}

// skipBlock returns the index of the line that closes the block opened by f
// at lines[open], or len(lines) if the block runs to the end.
func skipBlock(lines []string, open int, f fence) int {
	for j := open + 1; j < len(lines); j++ {
		if f.closes(lines[j]) {
			return j
		}
	}
	return len(lines)
}

func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// resolveInRepo checks that p, a slash-separated path from a marker or link,
// stays inside the repository, and returns it cleaned.
func resolveInRepo(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	if strings.HasPrefix(p, "/") || filepath.IsAbs(p) || !filepath.IsLocal(filepath.FromSlash(p)) {
		return "", fmt.Errorf("%q is outside the repository; name a file relative to the repository root, such as stage01_echo/main.go", p)
	}
	return path.Clean(p), nil
}

// mismatch explains why a block is not in a file: the first line of the
// block that differs from the file, at the place the best-matching alignment
// of the block expected it.
type mismatch struct {
	BlockLine int    // which line of the block, from 1
	FileLine  int    // where in the file that line was expected, from 1; 0 if no line of the block is in the file
	Want      string // the block's line
	Got       string // the file's line there, "" past the end of the file
	PastEnd   bool   // the block runs past the end of the file
	Elsewhere []int  // other lines of the file equal to Want, from 1, at most three
}

// matchBlock looks for block as a contiguous run of lines in file, comparing
// lines with trailing whitespace trimmed. It returns the file line (from 1)
// where the block starts, or a mismatch describing the nearest miss.
func matchBlock(file, block []string) (int, *mismatch) {
	norm := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = strings.TrimRight(l, " \t\r")
		}
		return out
	}
	f, b := norm(file), norm(block)
	if strings.TrimSpace(strings.Join(b, "")) == "" {
		// A block of blank lines matches any file and so proves nothing:
		// it is almost always an excerpt that came out empty by mistake.
		return 0, &mismatch{}
	}

	for s := 0; s+len(b) <= len(f); s++ {
		if equal(f[s:s+len(b)], b) {
			return s + 1, nil
		}
	}

	// Not there. Score every alignment of the block against the file, two
	// points for a non-blank line that agrees and one for a line that agrees
	// but for its indentation: the best is where the author copied from. On
	// a tie, the alignment whose first lines agree for longer wins.
	best, bestScore, bestPrefix := 0, 0, 0
	for s := 0; s < len(f); s++ {
		score, prefix := 0, 0
		for i := 0; i < len(b) && s+i < len(f); i++ {
			switch {
			case b[i] == "":
			case f[s+i] == b[i]:
				score += 2
			case strings.TrimSpace(f[s+i]) == strings.TrimSpace(b[i]):
				score++
			}
			if prefix == i && f[s+i] == b[i] {
				prefix++
			}
		}
		if score > bestScore || (score == bestScore && score > 0 && prefix > bestPrefix) {
			best, bestScore, bestPrefix = s, score, prefix
		}
	}
	if bestScore == 0 {
		return 0, &mismatch{BlockLine: 1, Want: b[0], Elsewhere: find(f, b[0])}
	}
	for i := range b {
		if best+i >= len(f) {
			return 0, &mismatch{BlockLine: i + 1, FileLine: best + i + 1, Want: b[i], PastEnd: true, Elsewhere: find(f, b[i])}
		}
		if f[best+i] != b[i] {
			return 0, &mismatch{BlockLine: i + 1, FileLine: best + i + 1, Want: b[i], Got: f[best+i], Elsewhere: find(f, b[i])}
		}
	}
	panic("unreachable: the best alignment matched exactly")
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// find returns up to three lines (from 1) of f equal to want, ignoring blank
// lines, which say nothing about where a block went.
func find(f []string, want string) []int {
	var at []int
	for i, l := range f {
		if want != "" && l == want && len(at) < 3 {
			at = append(at, i+1)
		}
	}
	return at
}

// explain turns a mismatch into a message for the chapter's author.
func (m *mismatch) explain(file string) string {
	var b strings.Builder
	switch {
	case m.BlockLine == 0:
		b.WriteString("the code block is empty")
	case m.FileLine == 0:
		fmt.Fprintf(&b, "no line of the block is in %s; its first line is %q", file, m.Want)
	case m.PastEnd:
		fmt.Fprintf(&b, "block line %d, %q, would be at %s:%d, past the end of the file", m.BlockLine, m.Want, file, m.FileLine)
	default:
		fmt.Fprintf(&b, "block line %d, %q, was expected at %s:%d, which is %q", m.BlockLine, m.Want, file, m.FileLine, m.Got)
		if strings.TrimSpace(m.Want) == strings.TrimSpace(m.Got) {
			b.WriteString("; only the indentation differs (Go excerpts are indented with tabs, as gofmt writes them)")
		}
	}
	if len(m.Elsewhere) > 0 && m.FileLine != 0 {
		at := make([]string, len(m.Elsewhere))
		for i, n := range m.Elsewhere {
			at[i] = fmt.Sprint(n)
		}
		fmt.Fprintf(&b, "; that line is at %s:%s, so the block's lines are out of order or some were left out", file, strings.Join(at, ","))
	}
	if m.BlockLine != 0 {
		b.WriteString(".\nCopy the excerpt again from the file: a snippet is contiguous lines, in order; split it in two to skip lines.")
	}
	return b.String()
}

// chapters returns the Markdown files of this directory.
func chapters(t *testing.T) []string {
	names, err := filepath.Glob("*.md")
	require.NoError(t, err)
	require.NotEmpty(t, names, "no chapters found in docs/")
	return names
}

func readLines(t *testing.T, name string) string {
	raw, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(raw)
}

// TestSnippets checks every marked code block of every chapter against the
// file its marker names.
func TestSnippets(t *testing.T) {
	for _, chapter := range chapters(t) {
		t.Run(chapter, func(t *testing.T) {
			snippets, problems := parseChapter(readLines(t, chapter))
			for _, p := range problems {
				assert.Fail(t, fmt.Sprintf("docs/%s:%d: %s", chapter, p.Line, p.Msg))
			}
			for _, s := range snippets {
				where := fmt.Sprintf("docs/%s:%d", chapter, s.Line)
				rel, err := resolveInRepo(s.Path)
				if err != nil {
					assert.Fail(t, fmt.Sprintf("%s: snippet marker: %v", where, err))
					continue
				}
				raw, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
				if errors.Is(err, fs.ErrNotExist) {
					assert.Fail(t, fmt.Sprintf("%s: the snippet names %s, which does not exist", where, rel))
					continue
				}
				if err != nil {
					assert.Fail(t, fmt.Sprintf("%s: the snippet names %s, which cannot be read: %v", where, rel, err))
					continue
				}
				if _, m := matchBlock(splitLines(string(raw)), s.Lines); m != nil {
					assert.Fail(t, fmt.Sprintf("%s: the snippet does not match %s:\n%s", where, rel, m.explain(rel)))
				}
			}
		})
	}
}

var (
	// inlineLinkRE matches [text](target) and ![alt](target "title").
	inlineLinkRE = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	// refDefRE matches a reference definition: [label]: target
	refDefRE = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?`)
	// codeSpanRE matches inline code, whose contents are not links.
	codeSpanRE = regexp.MustCompile("(`+)[^`]*?(`+)")
	schemeRE   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// link is a relative link target found in a chapter.
type link struct {
	Line   int
	Target string // as written, fragment included
}

// relativeLinks returns the links of a chapter that point at files of the
// repository: not URLs, not in-page anchors, not inside code.
func relativeLinks(text string) []link {
	var links []link
	for _, l := range allLinks(text) {
		if !schemeRE.MatchString(l.Target) && !strings.HasPrefix(l.Target, "#") && !strings.HasPrefix(l.Target, "/") {
			links = append(links, l)
		}
	}
	return links
}

// allLinks returns every link target of a chapter outside code, as
// written: URLs and in-page anchors included.
func allLinks(text string) []link {
	lines := splitLines(text)
	var links []link
	for i := 0; i < len(lines); i++ {
		if f, ok := openingFence(lines[i]); ok {
			i = skipBlock(lines, i, f)
			continue
		}
		line := codeSpanRE.ReplaceAllString(lines[i], "")
		for _, m := range inlineLinkRE.FindAllStringSubmatch(line, -1) {
			links = append(links, link{Line: i + 1, Target: m[1]})
		}
		if m := refDefRE.FindStringSubmatch(line); m != nil {
			links = append(links, link{Line: i + 1, Target: m[1]})
		}
	}
	return links
}

// headingAnchors returns the fragments GitHub gives the headings of a
// Markdown text outside code: a heading's words in lower case, joined by
// hyphens, and -1, -2 on the second and third of the same.
func headingAnchors(text string) map[string]bool {
	lines := splitLines(text)
	anchors := map[string]bool{}
	seen := map[string]int{}
	for i := 0; i < len(lines); i++ {
		if f, ok := openingFence(lines[i]); ok {
			i = skipBlock(lines, i, f)
			continue
		}
		heading := strings.TrimLeft(lines[i], "#")
		if heading == lines[i] || !strings.HasPrefix(heading, " ") {
			continue
		}
		a := stages.Anchor(heading)
		if n := seen[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

// linkedPath turns a link target written in docs/ into a path relative to
// the repository root, without its fragment or query.
func linkedPath(target string) (string, error) {
	p, _, _ := strings.Cut(target, "#")
	p, _, _ = strings.Cut(p, "?")
	p, err := url.PathUnescape(p)
	if err != nil {
		return "", err
	}
	return resolveInRepo(path.Join("docs", p))
}

func notWrittenYet(rel string) bool {
	for _, p := range notYetWritten {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// TestLinks checks that every relative link in a chapter points at a file or
// directory of the repository, apart from the stages listed in notYetWritten.
// TestAnchors checks the fragment of every link between the Markdown pages
// of the repository, #section on the same page or page.md#section on
// another, against the headings of the page it names, so that a renamed
// heading cannot leave a reader at the top of a long chapter.
func TestAnchors(t *testing.T) {
	anchorsOf := map[string]map[string]bool{}
	anchors := func(rel string) map[string]bool {
		if anchorsOf[rel] == nil {
			b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
			require.NoError(t, err)
			anchorsOf[rel] = headingAnchors(string(b))
		}
		return anchorsOf[rel]
	}
	for _, chapter := range chapters(t) {
		for _, l := range allLinks(readLines(t, chapter)) {
			page, fragment, ok := strings.Cut(l.Target, "#")
			if !ok || schemeRE.MatchString(l.Target) || (page != "" && !strings.HasSuffix(page, ".md")) {
				continue
			}
			rel := "docs/" + chapter
			if page != "" {
				var err error
				if rel, err = linkedPath(page); err != nil {
					continue // TestLinks reports it
				}
			}
			assert.True(t, anchors(rel)[fragment], "docs/%s:%d: link %q: %s has no heading #%s", chapter, l.Line, l.Target, rel, fragment)
		}
	}
}

func TestLinks(t *testing.T) {
	for _, chapter := range chapters(t) {
		t.Run(chapter, func(t *testing.T) {
			for _, l := range relativeLinks(readLines(t, chapter)) {
				where := fmt.Sprintf("docs/%s:%d", chapter, l.Line)
				rel, err := linkedPath(l.Target)
				if err != nil {
					assert.Fail(t, fmt.Sprintf("%s: link %q: %v", where, l.Target, err))
					continue
				}
				if notWrittenYet(rel) {
					continue
				}
				info, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(rel)))
				if err != nil {
					assert.Fail(t, fmt.Sprintf("%s: link %q points at %s, which does not exist", where, l.Target, rel))
					continue
				}
				if strings.HasSuffix(strings.SplitN(l.Target, "#", 2)[0], "/") && !info.IsDir() {
					assert.Fail(t, fmt.Sprintf("%s: link %q ends in / but %s is not a directory", where, l.Target, rel))
				}
			}
		})
	}
	for _, p := range notYetWritten {
		if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(p))); err == nil {
			t.Logf("%s now exists: remove it from notYetWritten so links to it are checked", p)
		}
	}
}

func TestMatchBlock(t *testing.T) {
	file := []string{
		"func echo(conn net.Conn) (int64, error) {", // 1
		"\tbuf := make([]byte, 32*1024)",            // 2
		"\tvar total int64",                         // 3
		"\tfor {",                                   // 4
		"\t\tn, err := conn.Read(buf)   ",           // 5, trailing spaces
		"",                                          // 6
		"\t\treturn total, nil",                     // 7
		"\t}",                                       // 8
		"}",                                         // 9
	}
	tests := []struct {
		name  string
		block []string
		start int
		want  *mismatch
	}{
		{
			name:  "matches",
			block: []string{"\tvar total int64", "\tfor {", "\t\tn, err := conn.Read(buf)"},
			start: 3,
		},
		{
			name:  "blank lines and trailing whitespace",
			block: []string{"\t\tn, err := conn.Read(buf)", "  ", "\t\treturn total, nil\t"},
			start: 5,
		},
		{
			name:  "a line drifted from the file",
			block: []string{"\tbuf := make([]byte, 32*1024)", "\tvar total int", "\tfor {"},
			want:  &mismatch{BlockLine: 2, FileLine: 3, Want: "\tvar total int", Got: "\tvar total int64"},
		},
		{
			name:  "lines out of order",
			block: []string{"\tbuf := make([]byte, 32*1024)", "\tfor {", "\tvar total int64"},
			want:  &mismatch{BlockLine: 2, FileLine: 3, Want: "\tfor {", Got: "\tvar total int64", Elsewhere: []int{4}},
		},
		{
			name:  "a line left out",
			block: []string{"\tbuf := make([]byte, 32*1024)", "\tfor {", "\t\tn, err := conn.Read(buf)"},
			want:  &mismatch{BlockLine: 1, FileLine: 3, Want: "\tbuf := make([]byte, 32*1024)", Got: "\tvar total int64", Elsewhere: []int{2}},
		},
		{
			name:  "spaces instead of tabs",
			block: []string{"    var total int64"},
			want:  &mismatch{BlockLine: 1, FileLine: 3, Want: "    var total int64", Got: "\tvar total int64"},
		},
		{
			name:  "nothing in common",
			block: []string{"func main() {", "\tos.Exit(1)"},
			want:  &mismatch{BlockLine: 1, Want: "func main() {"},
		},
		{
			name:  "runs past the end of the file",
			block: []string{"\t}", "}", "func more() {}"},
			want:  &mismatch{BlockLine: 3, FileLine: 10, Want: "func more() {}", PastEnd: true},
		},
		{
			name:  "differs only in a blank line",
			block: []string{"\t\tn, err := conn.Read(buf)", "\t\treturn total, nil"},
			want:  &mismatch{BlockLine: 2, FileLine: 6, Want: "\t\treturn total, nil", Got: "", Elsewhere: []int{7}},
		},
		{
			name:  "empty block",
			block: nil,
			want:  &mismatch{},
		},
		{
			name:  "blank lines only",
			block: []string{"", "\t"},
			want:  &mismatch{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, m := matchBlock(file, tt.block)
			assert.Equal(t, tt.want, m)
			if tt.want == nil {
				assert.Equal(t, tt.start, start)
			}
		})
	}
}

func TestMismatchExplain(t *testing.T) {
	m := &mismatch{BlockLine: 2, FileLine: 61, Want: "    for {", Got: "\tfor {", Elsewhere: []int{70}}
	msg := m.explain("stage01_echo/main.go")
	assert.Contains(t, msg, `block line 2, "    for {", was expected at stage01_echo/main.go:61, which is "\tfor {"`)
	assert.Contains(t, msg, "only the indentation differs")
	assert.Contains(t, msg, "stage01_echo/main.go:70")
}

func TestParseChapter(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		snippets []snippet
		problems []int // lines of the expected problems
	}{
		{
			name:     "marked block",
			text:     "# Title\n\n<!-- snippet: stage01_echo/main.go -->\n```go\nfunc main() {\n}\n```\n",
			snippets: []snippet{{Line: 3, Path: "stage01_echo/main.go", Lines: []string{"func main() {", "}"}}},
		},
		{
			name:     "unmarked blocks are ignored",
			text:     "```sh\nnc localhost 4221\n```\n\n```c\nint main(void) {}\n```\n",
			snippets: nil,
		},
		{
			name:     "a marker inside a block is an example",
			text:     "````markdown\n<!-- snippet: stage01_echo/main.go -->\n```go\nx\n```\n````\n",
			snippets: nil,
		},
		{
			name:     "tilde fence with backticks inside",
			text:     "<!-- snippet: a.go -->\n~~~go\ns := \"```\"\n~~~\n",
			snippets: []snippet{{Line: 1, Path: "a.go", Lines: []string{"s := \"```\""}}},
		},
		{
			name:     "blank line between marker and block",
			text:     "<!-- snippet: a.go -->\n\n```go\nx\n```\n",
			problems: []int{1},
		},
		{
			name:     "marker on the last line",
			text:     "text\n<!-- snippet: a.go -->\n",
			problems: []int{2},
		},
		{
			name:     "marker without a path",
			text:     "<!-- snippet: -->\n```go\nx\n```\n",
			problems: []int{1},
		},
		{
			name:     "block never closed",
			text:     "<!-- snippet: a.go -->\n```go\nx\n",
			problems: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snippets, problems := parseChapter(tt.text)
			assert.Equal(t, tt.snippets, snippets)
			var lines []int
			for _, p := range problems {
				lines = append(lines, p.Line)
			}
			assert.Equal(t, tt.problems, lines, "problems: %v", problems)
		})
	}
}

func TestResolveInRepo(t *testing.T) {
	tests := []struct {
		path string
		want string // "" means an error
	}{
		{"stage01_echo/main.go", "stage01_echo/main.go"},
		{"./stage01_echo/../stage01_echo/main.go", "stage01_echo/main.go"},
		{"docs/../go.mod", "go.mod"},
		{"../go.mod", ""},
		{"docs/../../etc/passwd", ""},
		{"/etc/passwd", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := resolveInRepo(tt.path)
			if tt.want == "" {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRelativeLinks(t *testing.T) {
	text := strings.Join([]string{
		"See [the card](../stages/01-echo.md) and [framing](02-parse.md#framing).", // 1
		"Not a file: [Go](https://go.dev), [above](#sockets), `[x](nope.md)`.",     // 2
		"```markdown",                   // 3
		"[inside a block](ignored.md)",  // 4
		"```",                           // 5
		"[code]: ../stage01_echo/",      // 6
		`![diagram](img/a%20b.png "A")`, // 7
	}, "\n")
	want := []link{
		{1, "../stages/01-echo.md"},
		{1, "02-parse.md#framing"},
		{6, "../stage01_echo/"},
		{7, "img/a%20b.png"},
	}
	assert.Equal(t, want, relativeLinks(text))

	paths := map[string]string{
		"../stages/01-echo.md": "stages/01-echo.md",
		"02-parse.md#framing":  "docs/02-parse.md",
		"../stage01_echo/":     "stage01_echo",
		"img/a%20b.png":        "docs/img/a b.png",
	}
	for target, rel := range paths {
		got, err := linkedPath(target)
		require.NoError(t, err, target)
		assert.Equal(t, rel, got, target)
	}
	_, err := linkedPath("../../outside.md")
	assert.Error(t, err)

	// Every stage may have landed by now, and notYetWritten be empty, so
	// the matching is checked against a list of its own: a stage 7 that
	// does not exist.
	defer func(saved []string) { notYetWritten = saved }(notYetWritten)
	notYetWritten = []string{"docs/07-next.md", "stage07_next"}
	assert.True(t, notWrittenYet("docs/07-next.md"))
	assert.True(t, notWrittenYet("stage07_next/main.go"))
	assert.False(t, notWrittenYet("stage07_nextx"))
	assert.False(t, notWrittenYet("docs/01-echo.md"))
}
