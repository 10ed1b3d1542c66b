package main

import (
	"errors"
	"fmt"
	"io"

	"httpworkbook/stages"
)

// findCheck returns the check a slug names, the leftover check included,
// for the hints and the name of a check that failed in an earlier run.
func findCheck(slug string) (check, bool) {
	if slug == leftoverSlug {
		return leftoverCheck, true
	}
	for _, c := range registry {
		if c.slug == slug {
			return c, true
		}
	}
	return check{}, false
}

// checkHints returns a check's own hints, in order; none for a slug no
// check has (a record written by another version of the tester).
func checkHints(slug string) []string {
	c, _ := findCheck(slug)
	return c.hints
}

// runHint is "go run ./tester hint -dir DIR": the next hint for the check
// that failed last in DIR, one at a time, as rustlings' hint gives. The
// hints go from where to look to what to do; the card's Hints section,
// written for the whole stage, says more.
func runHint(args []string, stdout, stderr io.Writer) int {
	flags := subcommandFlags("hint", `Usage: go run ./tester hint -dir DIR

Shows the next hint for the check that failed last in DIR: first where to
look, then what is likely wrong, then what to do.
`, stderr)
	dir, ok := repoArgument("hint", flags, args, stderr)
	if !ok {
		return 2
	}
	if err := requireDir(dir); err != nil {
		fmt.Fprintf(stderr, "tester hint: %v\n", err)
		return 2
	}
	all, err := stages.All()
	if err != nil {
		fmt.Fprintf(stderr, "tester hint: %v\n", err)
		return 2
	}
	switch err := showHint(stdout, terminalFor(stdout), dir, all, true); {
	case errors.Is(err, errNoFailure):
		fmt.Fprintf(stderr, "tester hint: %v\n", err)
		return 1
	case err != nil && !errors.Is(err, errNoMoreHints):
		fmt.Fprintf(stderr, "tester hint: %v\n", err)
		return 2
	}
	return 0
}

// showHint prints the next hint for dir, or that there is none left, for
// the hint subcommand and watch mode's h key; again says how to ask for
// the next one. It returns nextHint's error, errNoMoreHints once printed.
func showHint(w io.Writer, t terminal, dir string, all []stages.Stage, again bool) error {
	h, err := nextHint(dir, all, hintsAt)
	name := h.Check
	if c, ok := findCheck(h.Check); ok {
		name = fmt.Sprintf("%q (%s)", c.name, c.slug)
	}
	switch {
	case errors.Is(err, errNoMoreHints):
		fmt.Fprintf(w, "No more hints for stage %d's check %s: all %d were shown.\n", h.Stage.Number, name, h.Of)
		fmt.Fprintf(w, "The card's Hints section says what the stage needs, and the chapter explains why:\n")
		fmt.Fprintf(w, "  go run ./tester card %d\n  %s\n", h.Stage.Number, chapterOf(h.Stage))
		return err
	case err != nil:
		return err
	}
	fmt.Fprintf(w, "Hint %d of %d for stage %d's check %s:\n", h.Number, h.Of, h.Stage.Number, name)
	for _, l := range t.wrap(splitWords([]mdSpan{{h.Text, 0}}), t.width-2) {
		fmt.Fprintf(w, "  %s\n", l)
	}
	switch {
	case h.Number == h.Of:
		fmt.Fprintf(w, "That was the last one; the card's Hints section says more: go run ./tester card %d\n", h.Stage.Number)
	case again:
		fmt.Fprintf(w, "The next one: go run ./tester hint -dir %s\n", shellQuote(dir))
	}
	return nil
}
