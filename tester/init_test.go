package main

import (
	"bytes"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireToolchainsEnv, set to 1, makes a missing toolchain fail the
// starter tests instead of skipping them, so that CI cannot pass by
// testing fewer languages than it claims.
const requireToolchainsEnv = "HTTPWORKBOOK_REQUIRE_TOOLCHAINS"

// initStarter runs "tester init" through runMain, as a learner would, and
// returns its exit status and output.
func initStarter(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runMain(append([]string{"init"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// requireTool skips the test when the starter's toolchain is missing, and
// fails it instead when requireToolchainsEnv is set.
func requireTool(t *testing.T, lang language) {
	t.Helper()
	if _, err := exec.LookPath(lang.Tool); err == nil {
		return
	}
	why := "the " + lang.Name + " starter needs " + lang.Tool + " on PATH (" + lang.Needs + "), and it is not there"
	if os.Getenv(requireToolchainsEnv) == "1" {
		t.Fatalf("%s; %s=1 requires every toolchain", why, requireToolchainsEnv)
	}
	t.Skipf("%s; set %s=1 to make this a failure", why, requireToolchainsEnv)
}

// TestInitStarterBindsButDoesNotEcho writes each starter and runs stage 1
// against it: a correct start binds and accepts, and leaves the echo, with
// the card's pointer, to the learner.
func TestInitStarterBindsButDoesNotEcho(t *testing.T) {
	// The starter itself must keep Python unbuffered (python3 -u), not a
	// learner's environment.
	t.Setenv("PYTHONUNBUFFERED", "")
	for _, lang := range languages {
		t.Run(lang.Slug, func(t *testing.T) {
			t.Parallel()
			requireTool(t, lang)
			dir := t.TempDir()
			code, _, stderr := initStarter(t, "-lang", lang.Slug, dir)
			require.Equal(t, 0, code, stderr)

			// -wait is generous for a first compile on a loaded machine; a
			// starter that binds is found as soon as it listens.
			var stdout, errOut bytes.Buffer
			code = runMain([]string{"-stage", "1", "-dir", dir, "-wait", "2m"}, &stdout, &errOut)
			out := stdout.String()
			assert.Equal(t, 1, code, "%s\n%s", out, errOut.String())
			assert.Contains(t, out, "✓ binds to the port", out)
			// Unbuffered output: a buffered line would die with the server
			// when the tester stops it, and never show.
			assert.Regexp(t, `(?m)^\[your_server\] .*listening on `, out)
			assert.Contains(t, out, "✗ echoes a short line", out)
			assert.Regexp(t, `(?m)^\[stage-1\]   read: stages/01-echo\.md#tests`, out)
			assert.Contains(t, out, "1 passed, 1 failed, 4 did not run, of 6 checks")

			// Stage 6 starts it with --directory and --header-timeout, which
			// the starter accepts, so that it still binds.
			stdout.Reset()
			errOut.Reset()
			code = runMain([]string{"-stage", "6", "-dir", dir, "-wait", "2m", "-run", "^root-200$"}, &stdout, &errOut)
			out = stdout.String()
			assert.Equal(t, 1, code, "%s\n%s", out, errOut.String())
			assert.Contains(t, out, "✓ binds to the port", out)
		})
	}
}

// TestInitWritesLanguageFiles checks what each starter promises beyond
// running: every embedded file written under its real name, LF endings, an
// executable script that execs and passes its arguments on, TODOs that name
// the card, and a README with the exact tester command.
func TestInitWritesLanguageFiles(t *testing.T) {
	for _, lang := range languages {
		t.Run(lang.Slug, func(t *testing.T) {
			dir := t.TempDir()
			code, stdout, stderr := initStarter(t, "-lang", lang.Slug, dir)
			require.Equal(t, 0, code, stderr)

			for _, name := range embeddedNames(t, lang) {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if assert.NoError(t, err, "embedded file not written") {
					assert.NotContains(t, string(b), "\r", "%s has a CR", name)
					assert.NotContains(t, string(b), "{{", "%s is a template left unfilled", name)
				}
			}
			script := readFile(t, dir, "your_program.sh")
			assert.Contains(t, script, `cd "$(dirname "$0")"`)
			assert.Regexp(t, `(?m)^exec .* "\$@"$`, script)
			assertExecutable(t, dir, "your_program.sh")
			assert.Contains(t, readFile(t, dir, lang.Source), "stages/01-echo.md")
			assert.Contains(t, readFile(t, dir, lang.Source), `TODO stage 1 (card: "What to build"`)
			assert.Contains(t, readFile(t, dir, ".gitattributes"), "* text=auto eol=lf\n*.sh text eol=lf\n")
			assert.NotEmpty(t, readFile(t, dir, ".gitignore"))

			cmd := "go run ./tester -dir " + shellQuote(dir) + " -watch"
			assert.Contains(t, readFile(t, dir, "README.md"), cmd)
			assert.Contains(t, stdout, cmd)
			assert.Contains(t, readFile(t, dir, "README.md"), "go run ./tester hint -dir "+shellQuote(dir))
		})
	}
}

// embeddedNames lists the files a starter must contain: the shared ones
// and the language's own, under the names init writes them as.
func embeddedNames(t *testing.T, lang language) []string {
	t.Helper()
	var names []string
	shared, err := fs.ReadDir(starters, "starters")
	require.NoError(t, err)
	for _, e := range shared {
		if !e.IsDir() {
			names = append(names, strings.TrimSuffix(e.Name(), ".tmpl"))
		}
	}
	root := "starters/" + lang.Slug
	err = fs.WalkDir(starters, root, func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(name, root+"/"), ".tmpl"))
		}
		return err
	})
	require.NoError(t, err)
	require.Contains(t, names, "your_program.sh")
	return names
}

// assertExecutable checks that dir/name is executable by everyone who may
// read it, wherever file modes mean something.
func assertExecutable(t *testing.T, dir, name string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(filepath.Join(dir, name))
	require.NoError(t, err)
	read := fi.Mode() & 0o444
	assert.Equal(t, read>>2, fi.Mode()&0o111, "%s is not executable: %v", name, fi.Mode())
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// TestInitNormalisesLineEndings feeds writeStarter a starter checked out
// with CRLF endings, as git's core.autocrlf does on Windows, and expects LF
// and an executable script.
func TestInitNormalisesLineEndings(t *testing.T) {
	fsys := fstest.MapFS{
		"starters/.gitattributes":            {Data: []byte("* text=auto eol=lf\r\n")},
		"starters/README.md.tmpl":            {Data: []byte("run {{sh .Dir}}\r\n")},
		"starters/python/your_program.sh":    {Data: []byte("#!/bin/sh\r\nexec python3 -u app/main.py \"$@\"\r\n")},
		"starters/python/app/main.py":        {Data: []byte("print('hi')\r\n")},
		"starters/go/ignored-other-language": {Data: []byte("no\n")},
	}
	lang, ok := findLanguage("python")
	require.True(t, ok)
	dir := t.TempDir()
	require.NoError(t, writeStarter(fsys, lang, dir))

	assert.Equal(t, "#!/bin/sh\nexec python3 -u app/main.py \"$@\"\n", readFile(t, dir, "your_program.sh"))
	assert.Equal(t, "print('hi')\n", readFile(t, dir, "app/main.py"))
	assert.Equal(t, "run "+shellQuote(dir)+"\n", readFile(t, dir, "README.md"))
	assert.NoFileExists(t, filepath.Join(dir, "ignored-other-language"))
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, "your_program.sh"))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm()&^umask(t))
	}
}

// umask reads the process's umask without changing it for long.
func umask(t *testing.T) os.FileMode {
	t.Helper()
	f := filepath.Join(t.TempDir(), "probe")
	require.NoError(t, os.WriteFile(f, nil, 0o777))
	fi, err := os.Stat(f)
	require.NoError(t, err)
	return 0o777 &^ fi.Mode().Perm()
}

// TestInitRefusesNonEmptyDirectory protects a learner's work: init writes
// into a non-empty directory only with -force, and then replaces only the
// starter's own files.
func TestInitRefusesNonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "your_program.sh"), []byte("old\n"), 0o644))

	code, stdout, stderr := initStarter(t, "-lang", "python", dir)
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, dir+" is not empty: it holds notes.txt, your_program.sh")
	assert.Contains(t, stderr, "add -force to write the starter into this one")
	assert.Equal(t, "old\n", readFile(t, dir, "your_program.sh"))

	// Flags may follow the directory.
	code, stdout, stderr = initStarter(t, dir, "-lang", "python", "-force")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Wrote a Python starter to "+dir)
	assert.Equal(t, "mine\n", readFile(t, dir, "notes.txt"))
	assert.Contains(t, readFile(t, dir, "your_program.sh"), "exec python3 -u")
	assertExecutable(t, dir, "your_program.sh")
}

// TestInitAcceptsEmptyClone lets init fill a repository cloned empty, or
// made with git init, which holds nothing but .git.
func TestInitAcceptsEmptyClone(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	code, _, stderr := initStarter(t, "-lang", "c", dir)
	require.Equal(t, 0, code, stderr)
	assert.FileExists(t, filepath.Join(dir, "src", "main.c"))
}

// TestInitUsageErrors checks that every wrong command line says what to
// type instead, and writes nothing.
func TestInitUsageErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no language", []string{filepath.Join(t.TempDir(), "new")}, "choose the language with -lang: c, go, javascript, python or rust"},
		{"unknown language", []string{"-lang", "cobol", filepath.Join(t.TempDir(), "new")}, "no starter for -lang cobol; choose one of c, go, javascript, python or rust"},
		{"no directory", []string{"-lang", "go"}, "name one directory to write the starter to, as in: go run ./tester init -lang go ~/http-server"},
		{"two directories", []string{"-lang", "go", "a", "b"}, "name one directory"},
		{"a file", []string{"-lang", "go", file}, file + " is a file, not a directory"},
		{"unknown flag", []string{"-language", "go", "x"}, "flag provided but not defined: -language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := initStarter(t, tt.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

// TestInitGoStarterIsFormatted stands in for gofmt, which CI runs only on
// .go files: the Go starter is stored as .tmpl, and a learner's first
// gofmt should not rewrite it.
func TestInitGoStarterIsFormatted(t *testing.T) {
	src, err := fs.ReadFile(starters, "starters/go/app/main.go.tmpl")
	require.NoError(t, err)
	formatted, err := format.Source(src)
	require.NoError(t, err)
	assert.Equal(t, string(formatted), string(src))
}
