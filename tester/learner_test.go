package main

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"httpworkbook/stages"
)

// TestLearnerScripts runs tester/testdata/learner/*.txtar: the subcommands
// around the checks (status, card, report), end to end, as a learner or
// an instructor types them. They start no server, so they need none of
// TestScripts' go command setup; $REPORTS is tester/testdata/reports.
func TestLearnerScripts(t *testing.T) {
	reports, err := filepath.Abs(filepath.Join("testdata", "reports"))
	require.NoError(t, err)
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "learner"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("NO_COLOR", "1")
			e.Setenv("COLUMNS", "80")
			e.Setenv("REPORTS", reports)
			return nil
		},
	})
}

func TestStageFromProgressFollowsRecordedRuns(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	dir := t.TempDir()

	st, done, err := stageFromProgress(dir, all)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Number, "a fresh repository starts at stage 1")
	assert.False(t, done)

	first, err := recordOutcome(dir, all[0], false, "echo-line", 1)
	require.NoError(t, err)
	assert.False(t, first)
	st, _, _ = stageFromProgress(dir, all)
	assert.Equal(t, 1, st.Number, "a failure keeps the stage")

	first, err = recordOutcome(dir, all[0], true, "", 2)
	require.NoError(t, err)
	assert.True(t, first)
	first, err = recordOutcome(dir, all[0], true, "", 3)
	require.NoError(t, err)
	assert.False(t, first, "only the first pass is the first")
	st, _, _ = stageFromProgress(dir, all)
	assert.Equal(t, 2, st.Number, "a pass moves on")

	for _, s := range all {
		_, err = recordOutcome(dir, s, true, "", 4)
		require.NoError(t, err)
	}
	st, done, err = stageFromProgress(dir, all)
	require.NoError(t, err)
	assert.True(t, done)
	assert.Equal(t, len(all), st.Number, "once done, the last stage")
}

// TestChaptersExplainTheirDiff checks that the section printAfterPass
// points at exists: every chapter but the first has a heading that makes
// comparisonOf's anchor.
func TestChaptersExplainTheirDiff(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	for _, st := range all[1:] {
		assert.True(t, docPlaceExists(t, comparisonOf(st)), "%s names no heading, though the tester names it after stage %d passes", comparisonOf(st), st.Number)
	}
}

func TestPrintAfterPass(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	passedUpTo := func(n int) *progress {
		p := &progress{Stages: map[string]*stageProgress{}}
		for _, st := range all[:n] {
			p.recordPass(st, 1, time.Now())
		}
		return p
	}
	for _, tc := range []struct {
		stage int
		first bool
		p     *progress
		want  []string
		not   []string
	}{
		{2, true, nil, []string{"Stage 2 passed: Parse HTTP/1.1 requests.", "stage02_parse/", "diff -ru stage01_echo stage02_parse", "docs/02-parse.md#what-changed-since-stage-1", "Next, stage 3: Route with a registry", "go run ./tester card 3", "go run ./tester -stage 3 -dir /x -watch"}, nil},
		{2, false, nil, []string{"Stage 2 passed", "Next, stage 3"}, []string{"stage02_parse/", "diff -ru"}},
		{2, true, passedUpTo(2), []string{"go run ./tester -dir /x -watch   # test it, again on every save"}, []string{"-stage 3"}},
		{1, true, nil, []string{"stage01_echo/", "docs/01-echo.md"}, []string{"diff -ru"}},
		{6, true, nil, []string{"diff -ru stage05_json stage06_epoll", "Every stage passed: the course is done.", "go run ./tester -stage 6 -dir /x -strict", "-strict -pedantic"}, []string{"Next,"}},
		{6, false, passedUpTo(6), []string{"go run ./tester -dir /x -strict -pedantic"}, []string{"-stage"}},
	} {
		var out bytes.Buffer
		printAfterPass(&out, all, all[tc.stage-1], "/x", tc.first, tc.p)
		for _, w := range tc.want {
			assert.Contains(t, out.String(), w, "stage %d, first %v", tc.stage, tc.first)
		}
		for _, w := range tc.not {
			assert.NotContains(t, out.String(), w, "stage %d, first %v: never point at a reference before its first pass", tc.stage, tc.first)
		}
	}
}

func TestNextHint(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	dir := t.TempDir()
	hints := func(_ stages.Stage, slug string) []string {
		if slug != "echo-line" {
			return nil
		}
		return []string{"where to look", "what to check", "what to do"}
	}

	_, err = nextHint(dir, all, hints)
	assert.ErrorIs(t, err, errNoFailure)
	assert.ErrorContains(t, err, "stage 1: no failed check to hint at; run the tester first")
	assert.NoFileExists(t, progressPath(dir), "asking for a hint writes nothing until there is one")

	_, err = recordOutcome(dir, all[0], false, "echo-line", 1)
	require.NoError(t, err)
	for i, want := range hints(all[0], "echo-line") {
		h, err := nextHint(dir, all, hints)
		require.NoError(t, err)
		assert.Equal(t, learnerHint{Stage: all[0], Check: "echo-line", Text: want, Number: i + 1, Of: 3}, h)
	}
	h, err := nextHint(dir, all, hints)
	assert.ErrorIs(t, err, errNoMoreHints)
	assert.ErrorContains(t, err, "echo-line: no more hints; the card's Hints section says more: go run ./tester card 1, and docs/01-echo.md explains why")
	assert.Equal(t, learnerHint{Stage: all[0], Check: "echo-line", Of: 3}, h, "the message can still name the check")

	_, err = recordOutcome(dir, all[0], false, "echo-line", 1)
	require.NoError(t, err)
	_, err = nextHint(dir, all, hints)
	assert.ErrorIs(t, err, errNoMoreHints, "the same check failing again does not repeat its hints")
}

// TestNextHintFollowsTheLatestFailure: the hint is for the check that
// failed last, on whichever stage, not for the first stage not passed.
func TestNextHintFollowsTheLatestFailure(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	dir := t.TempDir()
	_, err = updateProgress(dir, func(p *progress) {
		p.recordFailure(all[1], "root-200", time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC))
		p.recordFailure(all[2], "head", time.Date(2025, 3, 14, 11, 0, 0, 0, time.UTC))
	})
	require.NoError(t, err)
	h, err := nextHint(dir, all, hintsAt)
	require.NoError(t, err)
	assert.Equal(t, 3, h.Stage.Number)
	assert.Equal(t, "head", h.Check)
	assert.Equal(t, hintsAt(all[2], "head")[0], h.Text)

	for _, st := range all {
		_, err = recordOutcome(dir, st, true, "", 1)
		require.NoError(t, err)
	}
	_, err = nextHint(dir, all, hintsAt)
	assert.ErrorIs(t, err, errNoFailure)
	assert.ErrorContains(t, err, "every stage has passed")
}
