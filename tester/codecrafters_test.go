package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveCourse serves the course-style solution, with flaw, on a loopback
// port until the test ends, files from a directory of its own; it returns
// the address and the directory.
func serveCourse(t *testing.T, flaw string) (addr, dir string) {
	t.Helper()
	dir = servedDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go courseServer{flaw: flaw, dir: dir}.serve(ln)
	return ln.Addr().String(), dir
}

// trackSlugs are the track's slugs in order.
func trackSlugs() []string {
	var slugs []string
	for _, c := range trackChecks() {
		slugs = append(slugs, c.slug)
	}
	return slugs
}

// TestCodecraftersCourseSolution runs the track against a solution written
// as the course asks: CodeCrafters' tester passes it, so the track passes
// it too, and its real-client checks warn about what curl, browsers and
// proxies trip on, each with its section; -pedantic makes the first a
// failure.
func TestCodecraftersCourseSolution(t *testing.T) {
	t.Parallel()
	addr, dir := serveCourse(t, "")
	// The timeout is generous, since the machine may be loaded: only the
	// pipelined request, which this solution loses, waits it out.
	code, rep := runTester(t, "-codecrafters", "-addr", addr, "-directory", dir, "-timeout", "3s")
	require.Equal(t, 0, code, "the course's solution passes the track")
	require.Len(t, rep.Stages, 1)
	assert.Equal(t, trackSlugs(), rep.Stages[0].Planned)
	assert.Equal(t, counts{Passed: 21, Warned: 7}, rep.Stages[0].Counts)

	type expected struct{ slug, section, summary string }
	var got []expected
	for _, c := range rep.Stages[0].Checks {
		for _, w := range c.Warnings {
			got = append(got, expected{c.Slug, w.Section, w.Summary})
		}
	}
	// A summary is a pattern: where a server's extra answers arrive late,
	// a check may see them after its response or in place of the next one.
	want := []expected{
		{"clients-length", "RFC 9112 §6.3", `^GET /: the response has no Content-Length header, so the client cannot tell where its body ends`},
		{"clients-length", "RFC 9112 §6.3", `^GET /[a-z]+: the response has no Content-Length header`},
		{"clients-gzip", "RFC 9110 §12.5.5", `^no Vary: Accept-Encoding, though the body depends on that header$`},
		{"clients-gzip", "RFC 9110 §12.5.3", `: expected the header Content-Encoding: gzip, but the response has no Content-Encoding header; the request said Accept-Encoding: deflate, GZIP;q=0.5$`},
		{"clients-binary", "RFC 9110 §6.4", `^GET /files/.*; the tester wrote \d+ random bytes to`},
		{"clients-binary", "RFC 9110 §6.4", `^POST /files/.*: after the response|^the file on disk holds`},
		{"clients-traversal", "RFC 9110 §17.3", `^GET /files/\.\./secret_[a-z]+\.txt: the response contains the secret file`},
		{"clients-pipelining", "RFC 9112 §9.3.2", `^GET /user-agent: timeout: no response within 3s`},
		{"clients-large-body", "RFC 9112 §6.3", `POST`},
		{"clients-fragments", "RFC 9112 §2.2", `expected the status line "HTTP/1.1 200 OK\\r\\n"`},
	}
	require.Len(t, got, len(want), "warnings: %v", got)
	for i, w := range want {
		assert.Equal(t, w.slug, got[i].slug)
		assert.Equal(t, w.section, got[i].section, "%s: %s", got[i].slug, got[i].summary)
		assert.Regexp(t, w.summary, got[i].summary)
	}

	code, rep = runTester(t, "-codecrafters", "-addr", addr, "-directory", dir, "-timeout", "3s", "-pedantic")
	assert.Equal(t, 1, code, "-pedantic makes the first warning a failure")
	checks := rep.Stages[0].Checks
	last := checks[len(checks)-1]
	assert.Equal(t, "clients-length", last.Slug)
	require.NotNil(t, last.Failure)
	assert.Equal(t, "RFC 9112 §6.3", last.Failure.Section)
	assert.Contains(t, last.Failure.Hint, "send Content-Length with every response")
}

// TestCodecraftersReferencePedantic runs the track against stage 5's
// reference with -pedantic: all 14 stages and every real-client check pass
// without a warning.
func TestCodecraftersReferencePedantic(t *testing.T) {
	t.Parallel()
	code, rep := runTester(t, "-codecrafters", "-pedantic", "-timeout", "10s")
	require.Equal(t, 0, code)
	require.Len(t, rep.Stages, 1)
	assert.Equal(t, counts{Passed: len(trackSlugs())}, rep.Stages[0].Counts)
	assert.Empty(t, rep.warnings())
}

// TestTrackMatchesCodecrafters pins the track to CodeCrafters' course: its
// slugs and names, in its order.
func TestTrackMatchesCodecrafters(t *testing.T) {
	var got []string
	for _, e := range codecraftersStages {
		got = append(got, e.slug+" "+e.name)
	}
	assert.Equal(t, []string{
		"at4 Bind to a port", "ia4 Respond with 200", "ih0 Extract URL path", "cn2 Respond with body",
		"fs3 Read header", "ej5 Concurrent connections", "ap6 Return a file", "qv8 Read request body",
		"df4 Compression headers", "ij8 Multiple compression schemes", "cr8 Gzip compression",
		"ag9 Persistent connections", "ul1 Concurrent persistent connections", "kh7 Connection closure",
	}, got)
	for _, c := range trackChecks() {
		for _, place := range strings.Split(c.read, " and ") {
			assert.True(t, docPlaceExists(t, place), "%s: read: %s names no heading", c.slug, place)
		}
		assert.False(t, c.strict, c.slug)
		assert.Equal(t, c.slug == "at4", c.always, c.slug)
		assert.True(t, c.label == c.slug || strings.HasPrefix(c.slug, clientsLabel+"-"), c.slug)
	}
}

// docPlaceExists reports whether place, a path from the repository's root
// with an optional #anchor, names a file and one of its headings, as
// GitHub makes anchors of them.
func docPlaceExists(t *testing.T, place string) bool {
	root, err := moduleRoot(compiledAt())
	require.NoError(t, err)
	path, anchor, _ := strings.Cut(place, "#")
	text, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return false
	}
	if anchor == "" {
		return true
	}
	for _, line := range strings.Split(string(text), "\n") {
		heading := strings.TrimLeft(line, "#")
		if len(heading) == len(line) || !strings.HasPrefix(heading, " ") {
			continue
		}
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				return unicode.ToLower(r)
			}
			return -1
		}, strings.TrimSpace(heading))
		if slug == anchor {
			return true
		}
	}
	return false
}
