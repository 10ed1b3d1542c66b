package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAllStages(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	require.Len(t, all, 6)
	for i, st := range all {
		assert.Equal(t, i+1, st.Number)
		assert.True(t, strings.HasPrefix(st.Dir, "stage0"), st.Dir)
		assert.Contains(t, []string{"very easy", "easy", "medium", "hard"}, st.Difficulty, st.Card)
		assert.True(t, strings.HasPrefix(st.Body, "# Stage "), "%s: the card opens with its title", st.Card)
	}
}

// TestCardsOfWrittenStages requires a complete card, with the sections a
// learner needs, for every stage whose reference solution exists.
func TestCardsOfWrittenStages(t *testing.T) {
	all, err := All()
	require.NoError(t, err)
	for _, st := range all {
		if _, err := os.Stat(filepath.Join("..", st.Dir)); err != nil {
			continue
		}
		for _, section := range []string{"## What to build", "## Tests", "## Hints", "## Further reading"} {
			assert.Contains(t, st.Body, "\n"+section+"\n", "%s lacks %q", st.Card, section)
		}
	}
}

func TestParseCardErrors(t *testing.T) {
	tests := []struct{ name, raw, err string }{
		{"no front matter", "# Stage\n", "must open with"},
		{"unclosed", "---\nnumber: 1\n", "not closed"},
		{"unknown key", "---\nnumber: 1\ncolour: red\n---\n", "unknown front matter key"},
		{"missing fields", "---\nnumber: 1\n---\n", "needs number, slug"},
		{"bad number", "---\nnumber: one\n---\n", "number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseCard("x.md", tt.raw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestAnchor(t *testing.T) {
	assert.Equal(t, "tests", Anchor("Tests"))
	assert.Equal(t, "partial-reads-and-writes", Anchor("Partial reads and writes"))
	assert.Equal(t, "405-allow-head-and-options", Anchor("405, `Allow`, HEAD and OPTIONS"))
}
