// Package stages is the course catalog: one Markdown card per stage, each
// opening with a small front matter block that the tester reads to know the
// stage's number, directory and title. It is embedded so that the tester
// finds the catalog from any working directory.
package stages

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.md
var cards embed.FS

// Stage describes one stage of the course, as its card's front matter says.
type Stage struct {
	Number     int    // 1 to 6, the order of the course
	Slug       string // short name used on the tester's command line and in anchors
	Dir        string // the reference solution's directory at the module root
	Title      string
	Idea       string // the one idea the stage teaches
	Difficulty string // very easy, easy, medium or hard, as CodeCrafters grades
	Card       string // the card's file name inside stages/
	Body       string // the card's Markdown, front matter removed
}

// All returns every stage in course order. It fails only if a card is
// malformed, which the package's tests catch before anyone else can.
func All() ([]Stage, error) {
	names, err := fs.Glob(cards, "*.md")
	if err != nil {
		return nil, err
	}
	var all []Stage
	for _, name := range names {
		if name == "README.md" {
			continue
		}
		raw, err := cards.ReadFile(name)
		if err != nil {
			return nil, err
		}
		st, err := parseCard(name, string(raw))
		if err != nil {
			return nil, fmt.Errorf("stages/%s: %w", name, err)
		}
		all = append(all, st)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Number < all[j].Number })
	for i, st := range all {
		if st.Number != i+1 {
			return nil, fmt.Errorf("stages/%s: stage number %d, want %d", st.Card, st.Number, i+1)
		}
	}
	return all, nil
}

// Get returns the stage with the given number.
func Get(number int) (Stage, error) {
	all, err := All()
	if err != nil {
		return Stage{}, err
	}
	if number < 1 || number > len(all) {
		return Stage{}, fmt.Errorf("no stage %d: stages run from 1 to %d", number, len(all))
	}
	return all[number-1], nil
}

// parseCard splits a card into its front matter, a block of "key: value"
// lines between two "---" lines, and the Markdown that follows.
func parseCard(name, raw string) (Stage, error) {
	st := Stage{Card: name}
	rest, ok := strings.CutPrefix(raw, "---\n")
	if !ok {
		return st, fmt.Errorf("card must open with a --- front matter line")
	}
	front, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return st, fmt.Errorf("front matter is not closed by a --- line")
	}
	st.Body = strings.TrimLeft(body, "\n")

	sc := bufio.NewScanner(strings.NewReader(front))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			return st, fmt.Errorf("front matter line %q is not key: value", sc.Text())
		}
		value = strings.TrimSpace(value)
		switch strings.TrimSpace(key) {
		case "number":
			n, err := strconv.Atoi(value)
			if err != nil {
				return st, fmt.Errorf("number: %w", err)
			}
			st.Number = n
		case "slug":
			st.Slug = value
		case "dir":
			st.Dir = value
		case "title":
			st.Title = value
		case "idea":
			st.Idea = value
		case "difficulty":
			st.Difficulty = value
		default:
			return st, fmt.Errorf("unknown front matter key %q", key)
		}
	}
	switch {
	case st.Number == 0:
		return st, fmt.Errorf("front matter has no number")
	case st.Slug == "" || st.Dir == "" || st.Title == "" || st.Idea == "" || st.Difficulty == "":
		return st, fmt.Errorf("front matter needs number, slug, dir, title, idea and difficulty")
	}
	return st, nil
}

// Anchor turns a Markdown heading into the fragment GitHub gives it, so the
// tester can point a learner at "stages/02-parse.md#tests".
func Anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ' || r == '-':
			b.WriteRune('-')
		case r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}
