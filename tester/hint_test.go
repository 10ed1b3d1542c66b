package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"httpworkbook/stages"
)

// TestEveryCheckHasHints holds every check to the promise of "tester
// hint": one to three hints, each a sentence or two, ending like one.
func TestEveryCheckHasHints(t *testing.T) {
	all := append(append([]check(nil), registry...), leftoverCheck)
	assert.Greater(t, len(all), 40, "the registry is filled at initialisation")
	for _, c := range all {
		assert.GreaterOrEqual(t, len(c.hints), 1, "%s has no hint", c.slug)
		assert.LessOrEqual(t, len(c.hints), 3, "%s has more than three hints", c.slug)
		seen := map[string]bool{}
		for i, h := range c.hints {
			assert.False(t, seen[h], "%s: hint %d repeats an earlier one", c.slug, i+1)
			seen[h] = true
			assert.True(t, strings.HasSuffix(h, "."), "%s: hint %d does not end a sentence: %q", c.slug, i+1, h)
			assert.LessOrEqual(t, len(h), 260, "%s: hint %d is longer than two sentences should be", c.slug, i+1)
			assert.NotRegexp(t, `stage0\d_`, h, "%s: hint %d points at a reference solution, which the tester names only after a pass", c.slug, i+1)
		}
		assert.Equal(t, c.hints, checkHints(c.slug), "%s: checkHints finds it", c.slug)
	}
	assert.Empty(t, checkHints("no-such-check"))
}

// TestHintsAtRegression: a check of an earlier stage that fails while a
// later stage is tested is most likely broken by that stage's change, so
// "tester hint" gives that stage's usual regressions first; the same
// check failing in its own stage gets its own hints only.
func TestHintsAtRegression(t *testing.T) {
	all, err := stages.All()
	require.NoError(t, err)
	own := checkHints("http-concurrent")
	require.NotEmpty(t, own)
	assert.Equal(t, own, hintsAt(all[1], "http-concurrent"))

	at6 := hintsAt(all[5], "http-concurrent")
	require.Len(t, at6, len(regressions[6])+len(own))
	assert.Equal(t, own, at6[len(regressions[6]):])
	assert.True(t, strings.HasPrefix(at6[0], "This check of stage 2 passed before stage 6, whose change most likely broke it; a usual cause, accept until EAGAIN: "), at6[0])
	for _, h := range at6[:len(regressions[6])] {
		assert.True(t, strings.HasSuffix(h, "."), h)
		assert.NotContains(t, h, "..", h)
	}
	assert.Equal(t, checkHints("many-connections"), hintsAt(all[5], "many-connections"), "a stage's own check")
	assert.Nil(t, hintsAt(all[5], "no-such-check"))
}
