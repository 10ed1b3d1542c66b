package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"httpworkbook/stages"
)

func TestProgressRoundTrip(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	dir := t.TempDir()

	p, err := loadProgress(dir)
	require.NoError(t, err, "a repository with no progress file has passed nothing")
	cur, ok := p.current(all)
	require.True(t, ok)
	assert.Equal(t, 1, cur.Number)
	assert.NoFileExists(t, progressPath(dir), "loading writes nothing")

	day1 := time.Date(2025, 3, 14, 10, 2, 0, 0, time.FixedZone("CET", 3600))
	p.recordFailure(all[0], "echo-line", day1)
	assert.True(t, p.recordPass(all[0], 4242, day1), "the first pass")
	assert.False(t, p.recordPass(all[0], 99, day1.Add(time.Hour)), "a second pass is not the first")
	p.recordFailure(all[1], "echo-path", day1)
	p.recordHintShown(all[1])
	require.NoError(t, p.save())

	p, err = loadProgress(dir)
	require.NoError(t, err)
	at, ok := p.passed(all[0])
	require.True(t, ok)
	assert.True(t, at.Equal(day1), "the first pass's date stays: %v", at)
	assert.Equal(t, int64(4242), p.Stages["echo"].Seed, "the first pass's seed stays")
	assert.Empty(t, p.Stages["echo"].LastFailed, "a pass clears the failure it ends")
	cur, _ = p.current(all)
	assert.Equal(t, 2, cur.Number)

	slug, shown := p.lastFailure(all[1])
	assert.Equal(t, "echo-path", slug)
	assert.Equal(t, 1, shown)
	p.recordFailure(all[1], "echo-path", day1)
	_, shown = p.lastFailure(all[1])
	assert.Equal(t, 1, shown, "the same check failing again keeps the hints shown")
	p.recordFailure(all[1], "user-agent", day1)
	slug, shown = p.lastFailure(all[1])
	assert.Equal(t, "user-agent", slug)
	assert.Equal(t, 0, shown, "another check's hints start from the first")

	for _, st := range all {
		p.recordPass(st, 1, day1)
	}
	_, ok = p.current(all)
	assert.False(t, ok, "no current stage once all have passed")

	entries, err := os.ReadDir(filepath.Join(dir, progressDir))
	require.NoError(t, err)
	require.Len(t, entries, 1, "the atomic write leaves no temporary file behind")
}

// TestProgressFileFormat pins the file's shape, which learners commit and
// later testers must read.
func TestProgressFileFormat(t *testing.T) {
	dir := t.TempDir()
	st, err := stages.Get(1)
	require.NoError(t, err)
	_, err = updateProgress(dir, func(p *progress) {
		p.recordPass(st, 4242, time.Date(2025, 3, 14, 10, 2, 0, 0, time.UTC))
	})
	require.NoError(t, err)
	b, err := os.ReadFile(progressPath(dir))
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, float64(progressSchema), got["schema"])
	assert.Contains(t, got["about"], "delete it to start the record again")
	echo := got["stages"].(map[string]any)["echo"].(map[string]any)
	assert.Equal(t, "2025-03-14T10:02:00Z", echo["passed"])
	assert.Equal(t, float64(4242), echo["seed"])
}

func TestProgressUnreadable(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"not JSON", `{"schema": 1, "stages": {`, "unexpected end of JSON input"},
		{"no schema", `{"stages": {}}`, "it has no schema version"},
		{"bad date", `{"schema": 1, "stages": {"echo": {"passed": "yesterday"}}}`, `stage "echo" has the pass date "yesterday"`},
		{"newer schema", `{"schema": 99, "stages": {}}`, "written by a newer tester (schema 99; this one reads 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, progressDir), 0o755))
			require.NoError(t, os.WriteFile(progressPath(dir), []byte(tc.content), 0o644))
			_, err := loadProgress(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), progressPath(dir), "the message names the file")
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "delete the file", "the message says how to recover")
		})
	}
}
