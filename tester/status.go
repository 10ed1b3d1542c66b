package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"httpworkbook/stages"
)

// runStatus is "go run ./tester status -dir DIR": the course as a list,
// each stage passed (and when), current or ahead, with its idea, then
// the commands for the current stage. It reads the progress file and
// writes nothing.
func runStatus(args []string, stdout, stderr io.Writer) int {
	flags := subcommandFlags("status", `Usage: go run ./tester status -dir DIR

Lists the stages, which of them DIR has passed, and what to run next.
`, stderr)
	dir, ok := repoArgument("status", flags, args, stderr)
	if !ok {
		return 2
	}
	if err := showStatus(stdout, dir); err != nil {
		fmt.Fprintf(stderr, "tester status: %v\n", err)
		return 2
	}
	return 0
}

func showStatus(w io.Writer, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := requireDir(dir); err != nil {
		return err
	}
	all, err := stages.All()
	if err != nil {
		return err
	}
	p, err := loadProgress(dir)
	if err != nil {
		return err
	}
	printStatus(w, terminalFor(w), p, all, dir)
	return nil
}

// requireDir fails unless dir is an existing directory.
func requireDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s does not exist; go run ./tester init -lang LANG %s writes a starter there", dir, shellQuote(dir))
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is a file, not a directory", dir)
	}
	return nil
}

// printStatus writes the course as a list. Every line says in words what
// its mark shows, so that the list reads the same without colours.
func printStatus(w io.Writer, t terminal, p *progress, all []stages.Stage, dir string) {
	current, working := p.current(all)
	passed := 0
	titleWidth := 0
	for _, st := range all {
		titleWidth = max(titleWidth, visibleWidth(st.Title))
		if _, ok := p.passed(st); ok {
			passed++
		}
	}
	if passed == 0 {
		fmt.Fprintf(w, "No stage of %s has passed yet.\n\n", dir)
	} else {
		fmt.Fprintf(w, "Progress of %s (from %s):\n\n", dir, filepath.Join(progressDir, progressFile))
	}
	const indent = "       " // under the title, past "  ✓ 1  "
	for _, st := range all {
		mark, state := " ", "ahead"
		if at, ok := p.passed(st); ok {
			mark, state = t.paint(strongStyle, "✓"), "passed "+at.Format("2006-01-02")
		} else if working && st.Number == current.Number {
			mark, state = "→", t.paint(strongStyle, "current")
		}
		title := st.Title
		if working && st.Number == current.Number {
			title = t.paint(strongStyle, title)
		}
		fmt.Fprintf(w, "  %s %d  %s  %s\n", mark, st.Number, padVisible(title, titleWidth), state)
		for _, l := range t.wrap(splitWords([]mdSpan{{st.Idea, 0}}), t.width-len(indent)) {
			fmt.Fprintf(w, "%s%s\n", indent, t.paint(linkStyle, l))
		}
	}
	fmt.Fprintln(w)
	if !working {
		printCourseDone(w, all[len(all)-1], dir, true)
		return
	}
	test := stageCommand(current, dir, true) + " -watch"
	fmt.Fprintf(w, "%d of %d stages passed. Next, stage %d, %s:\n", passed, len(all), current.Number, current.Title)
	fmt.Fprintf(w, "  go run ./tester card %d%s# what to build, and every check\n", current.Number, commentGap(test, fmt.Sprintf("go run ./tester card %d", current.Number)))
	fmt.Fprintf(w, "  %s   # test it, again on every save\n", test)
}

// commentGap pads a comment after short so that it lines up with one after
// long, three spaces past it.
func commentGap(long, short string) string {
	return strings.Repeat(" ", max(1, len(long)-len(short)+3))
}

// stageCommand is the command that tests st in dir. It leaves -stage out
// when picked, that is when dir's progress makes the tester choose st by
// itself, so that the same command serves from one day to the next.
func stageCommand(st stages.Stage, dir string, picked bool) string {
	if picked {
		return "go run ./tester -dir " + shellQuote(dir)
	}
	return fmt.Sprintf("go run ./tester -stage %d -dir %s", st.Number, shellQuote(dir))
}
