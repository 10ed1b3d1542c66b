package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"httpworkbook/stages"
)

// This file holds what the run loop needs to carry a learner through the
// course with the progress file: which stage to test when -dir comes
// without -stage, what to record after a run, what to say after a pass,
// and the next hint. The loop calls these once its rework lands; "status"
// and "card -dir" use the same record today.

// Sentinel errors of nextHint, for "hint" and watch mode's h key to tell
// apart.
var (
	errNoFailure   = errors.New("no failed check to hint at")
	errNoMoreHints = errors.New("no more hints")
)

// stageFromProgress is the stage a run with -dir and no -stage tests: the
// first one dir has not passed. done is true when every stage has passed;
// st is then the last stage, which a run may still test (with -strict).
func stageFromProgress(dir string, all []stages.Stage) (st stages.Stage, done bool, err error) {
	p, err := loadProgress(dir)
	if err != nil {
		return stages.Stage{}, false, err
	}
	if st, ok := p.current(all); ok {
		return st, false, nil
	}
	return all[len(all)-1], true, nil
}

// recordOutcome records one run of st in dir's progress: a pass, with the
// seed that reproduces it, or the slug of the check that failed. It
// reports whether this was st's first pass, after which printAfterPass may
// point at the reference.
func recordOutcome(dir string, st stages.Stage, passed bool, failedSlug string, seed int64) (firstPass bool, err error) {
	now := time.Now()
	_, err = updateProgress(dir, func(p *progress) {
		if passed {
			firstPass = p.recordPass(st, seed, now)
		} else if failedSlug != "" {
			p.recordFailure(st, failedSlug, now)
		}
	})
	return firstPass, err
}

// printAfterPass says what a learner does after st passes. The first pass
// only, and never before, points at st's reference solution, the diff
// that shows what the stage changed and the chapter to read beside it;
// then comes the next stage's card and command.
func printAfterPass(w io.Writer, all []stages.Stage, st stages.Stage, dir string, firstPass bool) {
	fmt.Fprintf(w, "\nStage %d passed: %s. Recorded in %s.\n", st.Number, st.Title, progressPath(dir))
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	if firstPass {
		fmt.Fprintf(w, "\nNow that yours works, compare it with the workbook's:\n")
		fmt.Fprintf(tw, "  %s/\t# the reference solution\n", st.Dir)
		if st.Number > 1 {
			prev := all[st.Number-2]
			fmt.Fprintf(tw, "  diff -ru %s %s\t# what stage %d changed, and nothing else\n", prev.Dir, st.Dir, st.Number)
		}
		fmt.Fprintf(tw, "  %s\t# the chapter, to read beside the reference\n", chapterOf(st))
		tw.Flush()
	}
	if st.Number == len(all) {
		fmt.Fprintf(w, "\nEvery stage passed: the course is done. The strict checks are the bad input\nevery real server meets:\n  %s -strict\n", stageCommand(st, dir))
		return
	}
	next := all[st.Number]
	fmt.Fprintf(w, "\nNext, stage %d: %s\n", next.Number, next.Title)
	fmt.Fprintf(tw, "  go run ./tester card %d\t# what to build, and every check\n", next.Number)
	fmt.Fprintf(tw, "  %s\t# test it\n", stageCommand(next, dir))
	tw.Flush()
}

// chapterOf is st's chapter: docs/ has one per card, under the card's name.
func chapterOf(st stages.Stage) string {
	return "docs/" + st.Card
}

// A learnerHint is one of a check's hints, as "hint" shows it.
type learnerHint struct {
	Stage  stages.Stage
	Check  string // the slug of the check that failed last
	Text   string
	Number int // from 1
	Of     int // how many the check has
}

// nextHint returns the first hint not yet shown for the check that failed
// last in dir, and records it as shown. hintsFor gives a check's hints in
// order, from where to look to what to do. Past the last hint it returns
// errNoMoreHints, with the stage and check still filled in for the
// message, and before any failure errNoFailure; it writes the record only
// when it shows a hint.
func nextHint(dir string, all []stages.Stage, hintsFor func(slug string) []string) (learnerHint, error) {
	p, err := loadProgress(dir)
	if err != nil {
		return learnerHint{}, err
	}
	st, ok := p.lastFailed(all)
	if !ok {
		if cur, working := p.current(all); working {
			return learnerHint{}, fmt.Errorf("stage %d: %w; run the tester first", cur.Number, errNoFailure)
		}
		return learnerHint{}, fmt.Errorf("every stage has passed: %w", errNoFailure)
	}
	slug, shown := p.lastFailure(st)
	hints := hintsFor(slug)
	h := learnerHint{Stage: st, Check: slug, Of: len(hints)}
	if shown >= len(hints) {
		return h, fmt.Errorf("%s: %w; the card's Hints section has them all: go run ./tester card %d, and %s explains why", slug, errNoMoreHints, st.Number, chapterOf(st))
	}
	p.recordHintShown(st)
	if err := p.save(); err != nil {
		return learnerHint{}, err
	}
	h.Text, h.Number = hints[shown], shown+1
	return h, nil
}
