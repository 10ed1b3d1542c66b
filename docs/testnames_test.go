package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// namedTest is a test, benchmark or fuzz target named in prose, in
// backticks, as the chapters and cards point readers at the test that
// proves a claim.
var namedTest = regexp.MustCompile("`((?:Test|Benchmark|Fuzz)[A-Z][A-Za-z0-9_]*)")

// declaredTest is the declaration of one in a _test.go file.
var declaredTest = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]*)\(`)

// TestNamedTestsExist keeps the pointers of the prose honest: every test a
// chapter, a card or the README names must exist somewhere in the
// repository, so that a reader who looks for it finds it, and a test
// renamed or removed shows here rather than in a reader's search.
func TestNamedTestsExist(t *testing.T) {
	declared := map[string]bool{}
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != repoRoot {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range declaredTest.FindAllSubmatch(b, -1) {
			declared[string(m[1])] = true
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, declared)

	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	require.NoError(t, err)
	cards, err := filepath.Glob(filepath.Join(repoRoot, "stages", "*.md"))
	require.NoError(t, err)
	for _, page := range append(append(pages, cards...), filepath.Join(repoRoot, "README.md")) {
		b, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, m := range namedTest.FindAllSubmatch(b, -1) {
			assert.True(t, declared[string(m[1])], "%s names %s, which no _test.go declares", filepath.Base(page), m[1])
		}
	}
}
