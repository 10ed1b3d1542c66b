package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireChromiumEnv, set to 1, makes a missing Chromium fail the page
// test instead of skipping it, so that CI cannot pass without a browser.
const requireChromiumEnv = "HTTPWORKBOOK_REQUIRE_CHROMIUM"

// fixtureReports are tester/testdata/reports: two real -json reports of
// today's tester, one passed and one failed, and one in a newer shape
// with warnings, a schema version and fields this tester does not know.
var fixtureReports = []string{"testdata/reports/alice.json", "testdata/reports/bob.json", "testdata/reports/carol.json"}

func classReport(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runMain(append([]string{"report"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeReport(t *testing.T, dir, name, content string, mtime time.Time) string {
	t.Helper()
	file := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o644))
	require.NoError(t, os.Chtimes(file, mtime, mtime))
	return file
}

// TestClassReportMerges checks what the fixtures do not: several reports
// of one student, the latest result of a stage winning; a report's own
// date over its file's; fields of an unexpected type; warnings given as a
// count; and names that would break Markdown or HTML.
func TestClassReportMerges(t *testing.T) {
	dir := t.TempDir()
	old := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	writeReport(t, dir, "eve-monday.json", `{"name": "Eve | <b>", "seed": "not a number", "stages": [
		{"stage": 2, "passed": false, "checks": [{"slug": "root-200", "passed": true}, {"slug": "echo-path", "name": "GET /echo", "passed": false, "failure": {"summary": "no body"}}]},
		{"stage": 1, "passed": true, "checks": [], "warnings": 3}]}`, old)
	writeReport(t, dir, "eve-tuesday.json", `{"name": "Eve | <b>", "stages": [{"stage": 2, "passed": true, "checks": [{"slug": "root-200", "passed": true, "status": "warning", "name": "no Date"}]}]}`, old.Add(24*time.Hour))
	writeReport(t, dir, "late.json", `{"date": "2025-02-01T08:00:00Z", "stages": [{"stage": 7, "title": "HTTP/2", "passed": false, "skipped": "not written yet", "checks": []}]}`, old.Add(48*time.Hour))

	html := filepath.Join(dir, "class.html")
	code, out, stderr := classReport(t, "-o", html, dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "2 students, from 3 reports.")
	assert.Contains(t, out, "| 6 epoll | 7 HTTP/2 | furthest | date |", "a stage the catalog lacks gets a column")
	assert.Contains(t, out, `| Eve \| \<b\> | ✓ (3 warnings) | ✓ (1 warning) | · | · | · | · | · | stage 2 | 2025-03-02 09:00 |`,
		"Tuesday's pass replaces Monday's failure, and the row has the latest date")
	assert.NotContains(t, out, "no body", "the failure that a later pass replaced is gone")
	assert.Contains(t, out, "| late | · | · | · | · | · | · | – skipped | – | 2025-02-01 08:00 |", "the report's own date wins over its file's")
	assert.Contains(t, out, "`root-200: no Date`")

	page, err := os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(page), "Eve | &lt;b&gt;")
	assert.NotContains(t, string(page), "<b>")
	assert.Contains(t, string(page), "HTTP/2")
}

func TestClassReportWarningShapes(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string
	}{
		{``, nil},
		{`null`, nil},
		{`2`, []string{"", ""}},
		{`["plain"]`, []string{"slug: plain"}},
		{`[{"summary": "a SHOULD", "cite": "RFC 9110 §6.6.1"}, {"message": "other"}, {}]`, []string{"slug: a SHOULD", "slug: other", ""}},
		{`{"odd": true}`, nil},
	} {
		assert.Equal(t, tc.want, warningList([]byte(tc.raw), "slug"), tc.raw)
	}
}

// TestClassReportInChromium opens the page in headless Chromium and reads
// the document it rendered: every student and every stage is there, so
// the page works in a browser with no network, as an instructor opens it.
func TestClassReportInChromium(t *testing.T) {
	chromium := "/usr/bin/chromium" // Debian's package, which .ci/run installs
	if _, err := os.Stat(chromium); err != nil {
		chromium, err = exec.LookPath("chromium")
	}
	if chromium == "" {
		why := "the class page test needs Chromium (Debian: apt-get install chromium), and there is no /usr/bin/chromium nor chromium on PATH"
		if os.Getenv(requireChromiumEnv) == "1" {
			t.Fatalf("%s; %s=1 requires it", why, requireChromiumEnv)
		}
		t.Skipf("%s; set %s=1 to make this a failure", why, requireChromiumEnv)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "class.html")
	code, _, stderr := classReport(t, append([]string{"-o", page}, fixtureReports...)...)
	require.Equal(t, 0, code, stderr)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+filepath.ToSlash(page))
	cmd.WaitDelay = 5 * time.Second
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	dom, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", errOut.String())
	require.Contains(t, string(dom), "<table>", "chromium printed no document: %s", errOut.String())

	text := string(dom)
	for _, name := range []string{"Alice Martin", "bob", "carol"} {
		assert.Regexp(t, `<th scope="row"[^>]*>`+name+`</th>`, text, "the student %s", name)
	}
	for _, title := range []string{"A TCP echo server", "Parse HTTP/1.1 requests", "Route with a registry",
		"Path parameters: regex routes and a radix tree", "JSON APIs, negotiation and gzip", "An epoll event loop"} {
		assert.Contains(t, text, "<small>"+title+"</small>", "the stage %q", title)
	}
	assert.Contains(t, text, "✗ method-not-allowed")
	assert.Contains(t, text, "2 warnings")
	assert.False(t, strings.Contains(text, "<script"), "the page runs nothing")
}
