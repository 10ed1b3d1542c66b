package main

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryFailureHasAHint runs a check whose error no step explained: the
// learner still gets a hint, and the stage's counts say what did not run.
func TestEveryFailureHasAHint(t *testing.T) {
	var out bytes.Buffer
	tt := &T{ctx: context.Background(), rep: &reporter{w: &out}}
	plan := []check{
		{stage: 1, slug: "ok", name: "passes", run: func(*T) error { return nil }},
		{stage: 1, slug: "bare", name: "fails bare", run: func(*T) error { return errors.New("something broke") }},
		{stage: 1, slug: "never", name: "never runs", run: func(*T) error { return nil }},
	}
	res := &stageResult{Planned: []string{"ok", "bare", "never"}}
	runChecks(tt, plan, 1, res)
	res.tally()
	require.Len(t, res.Checks, 2)
	assert.Equal(t, fallbackHint, res.Checks[1].Failure.Hint)
	assert.Contains(t, out.String(), "hint: "+fallbackHint)
	assert.Equal(t, counts{Passed: 1, Failed: 1, NotRun: 1}, res.Counts)
	assert.Equal(t, "1 passed, 1 failed, 1 did not run, of 3 checks", res.Counts.String())
	assert.False(t, res.Passed)
}

// TestInterruptedIsNotAFailure stops a run in the middle of a check: the
// stage is interrupted, not failed, and the check is not counted.
func TestInterruptedIsNotAFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tt := &T{ctx: ctx, rep: &reporter{w: &bytes.Buffer{}}}
	plan := []check{{stage: 1, slug: "stopped", name: "is stopped", run: func(*T) error {
		cancel()
		return errors.New("interrupted")
	}}}
	res := &stageResult{Planned: []string{"stopped"}}
	runChecks(tt, plan, 1, res)
	res.tally()
	assert.True(t, res.Interrupted)
	assert.Empty(t, res.Checks)
	assert.False(t, res.Passed)
}
