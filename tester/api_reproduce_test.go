package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReproduceLinesAPI is TestReproduceLines for the API checks: each
// check runs against stage 5's reference started with that check's flags,
// and then its printed lines run, as printed, against a fresh copy.
func TestReproduceLinesAPI(t *testing.T) {
	t.Parallel()
	requireTools(t, "sh", "curl")
	for _, c := range apiChecks(5) {
		t.Run(c.slug, func(t *testing.T) {
			t.Parallel()
			ref := startReference(t, 5)
			tokens := filepath.Join(ref.dir, "tokens.txt")
			require.NoError(t, os.WriteFile(tokens, []byte(apiTokens[0]+"\n"+apiTokens[1]+"\n"), 0o600))
			ref.args = append(ref.args, apiFlags(c.slug, tokens)...)
			ref.restart()
			o, err := parseFlags([]string{"-stage", "5", "-api", "-run", "^" + c.slug + "$", "-addr", ref.addr, "-directory", ref.dir, "-seed", "1", "-timeout", "10s"}, io.Discard)
			require.NoError(t, err)
			result, err := run(context.Background(), o, &reporter{w: io.Discard})
			require.NoError(t, err)
			require.True(t, result.Passed, "the reference passes %s", c.slug)
			checks := result.Stages[0].Checks
			last := checks[len(checks)-1]
			require.Equal(t, c.slug, last.Slug)
			ref.restart()
			for _, l := range last.repro {
				runLine(t, ref.dir, l)
			}
		})
	}
}
