package main

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"
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
