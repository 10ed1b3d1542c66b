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
// and the next hint. Only runs with -dir record anything: the record lives
// in the learner's repository, and -cmd or -addr name none.

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
	_, working := p.current(all)
	return p.picks(all), !working, nil
}

// pickStage sets the stage of a run with -dir and no -stage from dir's
// progress: the first stage not passed, or the last once all have.
func (o *options) pickStage(all []stages.Stage) error {
	st, done, err := stageFromProgress(o.dir, all)
	if err != nil {
		return err
	}
	o.stage, o.autoStage, o.allPassed = st.Number, true, done
	return nil
}

// announceStage says, in one line, which stage the progress file chose,
// so that a learner never wonders what is being tested.
func announceStage(rep *reporter, o *options, st stages.Stage) {
	switch {
	case !o.autoStage:
	case o.allPassed:
		rep.line("[tester]", "every stage of %s has passed: testing stage %d again (-strict adds the bad-input checks, -pedantic makes warnings failures)", o.dir, st.Number)
	default:
		rep.line("[tester]", "stage %d, the first one %s has not passed (-stage N tests another)", st.Number, o.dir)
	}
}

// recordRun records a finished run of st with -dir in dir's progress and
// says what comes next: after a pass, the reference (the first time) and
// the next stage; after a failure, how to get a hint. An interrupted run
// records nothing, and neither does a pass of the checks -run chose, which
// is not a pass of the stage. A record that cannot be written is reported
// and does not change the run's verdict.
func recordRun(rep *reporter, o *options, all []stages.Stage, st stages.Stage, res *stageResult) {
	if o.dir == "" || res == nil || res.Interrupted {
		return
	}
	if res.Passed && o.run != nil {
		rep.line("[tester]", "-run chose some of the checks: stage %d counts as passed once all of them pass, without -run", st.Number)
		return
	}
	failed := failedSlug(res)
	first, err := recordOutcome(o.dir, st, res.Passed, failed, o.seed)
	if err != nil {
		rep.line("[tester]", "progress not recorded: %v", err)
		return
	}
	if !res.Passed {
		if !o.watch && failed != "" {
			rep.line("[tester]", "stuck? go run ./tester hint -dir %s gives a hint for %s, one at a time", shellQuote(o.dir), failed)
		}
		return
	}
	p, err := loadProgress(o.dir)
	if err != nil {
		p = nil
	}
	rep.write(func(w io.Writer) { printAfterPass(w, all, st, o.dir, first, p) })
}

// failedSlug is the check that failed in res, or "" if none did.
func failedSlug(res *stageResult) string {
	for i := len(res.Checks) - 1; i >= 0; i-- {
		if res.Checks[i].Failure != nil {
			return res.Checks[i].Slug
		}
	}
	return ""
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
// then comes the next stage's card and command, without -stage when p,
// the progress just recorded, picks that stage by itself.
func printAfterPass(w io.Writer, all []stages.Stage, st stages.Stage, dir string, firstPass bool, p *progress) {
	fmt.Fprintf(w, "\nStage %d passed: %s. Recorded in %s.\n", st.Number, st.Title, progressPath(dir))
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	if firstPass {
		fmt.Fprintf(w, "\nNow that yours works, compare it with the workbook's:\n")
		fmt.Fprintf(tw, "  %s/\t# the reference solution\n", st.Dir)
		if st.Number > 1 {
			prev := all[st.Number-2]
			fmt.Fprintf(tw, "  diff -ru %s %s\t# what stage %d changed, and nothing else\n", prev.Dir, st.Dir, st.Number)
		}
		fmt.Fprintf(tw, "  %s\t# the chapter, to read beside the reference\n", comparisonOf(st))
		tw.Flush()
	}
	if st.Number == len(all) {
		fmt.Fprintln(w)
		printCourseDone(w, st, dir, p != nil && p.picks(all).Number == st.Number)
		return
	}
	next := all[st.Number]
	fmt.Fprintf(w, "\nNext, stage %d: %s\n", next.Number, next.Title)
	fmt.Fprintf(tw, "  go run ./tester card %d\t# what to build, and every check\n", next.Number)
	picked := p != nil && p.picks(all).Number == next.Number
	fmt.Fprintf(tw, "  %s -watch\t# test it, again on every save\n", stageCommand(next, dir, picked))
	tw.Flush()
}

// printCourseDone is what follows the last stage's pass: what is left to
// try, the strict checks and the reference's exact behaviour.
func printCourseDone(w io.Writer, last stages.Stage, dir string, picked bool) {
	fmt.Fprintf(w, "Every stage passed: the course is done. The strict checks are the bad input\nevery real server meets, and -pedantic holds you to the RFCs' advice:\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "  %s -strict\t# malformed, oversized and incomplete requests\n", stageCommand(last, dir, picked))
	fmt.Fprintf(tw, "  %s -strict -pedantic\t# and every warning a failure\n", stageCommand(last, dir, picked))
	tw.Flush()
}

// chapterOf is st's chapter: docs/ has one per card, under the card's name.
func chapterOf(st stages.Stage) string {
	return "docs/" + st.Card
}

// comparisonOf is where st's chapter walks through the diff against the
// previous stage, file by file: the section "What changed since stage
// N-1", which every chapter but the first has (TestChaptersExplainTheirDiff
// keeps it so). Stage 1 has no previous stage, so it is the chapter.
func comparisonOf(st stages.Stage) string {
	if st.Number == 1 {
		return chapterOf(st)
	}
	return fmt.Sprintf("%s#%s", chapterOf(st), stages.Anchor(fmt.Sprintf("What changed since stage %d", st.Number-1)))
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
// last in dir, and records it as shown. hintsFor gives the hints of a
// check that failed while a stage was tested, in order, from where to look
// to what to do. Past the last hint it returns
// errNoMoreHints, with the stage and check still filled in for the
// message, and before any failure errNoFailure; it writes the record only
// when it shows a hint.
func nextHint(dir string, all []stages.Stage, hintsFor func(st stages.Stage, slug string) []string) (learnerHint, error) {
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
	hints := hintsFor(st, slug)
	h := learnerHint{Stage: st, Check: slug, Of: len(hints)}
	if shown >= len(hints) {
		return h, fmt.Errorf("%s: %w; the card's Hints section says more: go run ./tester card %d, and %s explains why", slug, errNoMoreHints, st.Number, chapterOf(st))
	}
	p.recordHintShown(st)
	if err := p.save(); err != nil {
		return learnerHint{}, err
	}
	h.Text, h.Number = hints[shown], shown+1
	return h, nil
}
