package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Script names a CodeCrafters repository may use for the program that starts
// its server: today's name first, then the one older repositories have.
var scriptNames = []string{"your_program.sh", "your_server.sh"}

// launchSpec says how to start the server under test.
type launchSpec struct {
	argv    []string // argv[0] resolved to a path where the tester could
	dir     string   // working directory; "" for the tester's own
	prefix  string   // what its relayed output is prefixed with
	learner bool     // a learner's server (-dir, -cmd), not a reference solution
	byHand  string   // how a learner runs it by hand, for hints
}

// dirScript returns the path of the script -dir runs in dir: your_program.sh,
// or your_server.sh when only that exists. If neither does, it returns the
// your_program.sh path, so that messages name the file CodeCrafters expects.
func dirScript(dir string) string {
	for _, name := range scriptNames {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return filepath.Join(dir, scriptNames[0])
}

// dirCommand is how -dir starts a repository's server: its script, run with
// the repository as working directory, as CodeCrafters does, since stock
// scripts name their program relative to it ("exec node app/main.js").
// Faults the kernel would report cryptically are found before starting.
func dirCommand(rep *reporter, dir string) (launchSpec, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return launchSpec{}, err
	}
	script := dirScript(abs)
	name := filepath.Base(script)
	fi, err := os.Stat(script)
	if err != nil {
		return launchSpec{}, fmt.Errorf("-dir %s: no your_program.sh there (nor your_server.sh); it is the script that starts your server, as in CodeCrafters repositories", dir)
	}
	if name != scriptNames[0] {
		rep.line("[tester]", "no your_program.sh in %s: running %s, the name older CodeCrafters repositories use", dir, name)
	}
	if err := checkScript(script, fi); err != nil {
		return launchSpec{}, err
	}
	return launchSpec{
		argv:    scriptArgv(script),
		dir:     abs,
		prefix:  "[your_server]",
		learner: true,
		byHand:  "cd " + shellQuote(abs) + " && ./" + name,
	}, nil
}

// scriptArgv runs the script itself on Unix, where its #! line picks the
// interpreter. Windows has no #!, so there it goes to sh (Git Bash, WSL).
func scriptArgv(script string) []string {
	if runtime.GOOS == "windows" {
		return []string{"sh", script}
	}
	return []string{script}
}

// checkScript finds the faults that make the kernel refuse a script with a
// message that names neither the script nor the fix: Windows line endings,
// a missing #! line, an interpreter that does not exist, no execute bit.
func checkScript(script string, fi os.FileInfo) error {
	f, err := os.Open(script)
	if err != nil {
		return fmt.Errorf("read %s: %w", script, err)
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, 64*1024))
	if err != nil {
		return fmt.Errorf("read %s: %w", script, err)
	}
	name := filepath.Base(script)
	first, _, _ := bytes.Cut(head, []byte("\n"))
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		return fmt.Errorf("%s starts with a byte order mark (an editor saved it as \"UTF-8 with BOM\"), so the kernel does not see its #! line and refuses it with \"exec format error\"; save it as plain UTF-8", script)
	case bytes.Contains(head, []byte("\r\n")):
		return crlfError(script, first)
	case !bytes.HasPrefix(head, []byte("#!")):
		return fmt.Errorf("%s has no #! line, so the kernel cannot tell what runs it and says \"exec format error\"; make its first line  #!/bin/sh  (or #!/usr/bin/env bash)", script)
	}
	if err := checkInterpreter(script, string(first[2:])); err != nil {
		return err
	}
	if runtime.GOOS != "windows" && fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not executable: run  chmod +x %s  (and, in the repository,  git update-index --chmod=+x %s  so that git keeps it executable)", script, shellQuote(script), name)
	}
	return nil
}

// crlfError explains a script saved with Windows line endings. A CR ending
// the #! line becomes part of the interpreter's name; on a later line it
// becomes part of a command's last word.
func crlfError(script string, first []byte) error {
	what := "the shell reads each line's CR as part of its last word and fails with errors such as \"$'\\r': command not found\""
	if bytes.HasSuffix(first, []byte("\r")) {
		what = fmt.Sprintf("its first line reads %q, with a CR at the end, so the program it names is not found and the kernel says \"no such file or directory\"", first)
	}
	return fmt.Errorf("%s has Windows line endings (CRLF): %s; convert it with  sed -i 's/\\r$//' %s  (or dos2unix), and keep it so with the line  *.sh text eol=lf  in .gitattributes", script, what, shellQuote(script))
}

// checkInterpreter checks that the program a #! line names exists, since
// the kernel's "no such file or directory" would seem to be about the script.
func checkInterpreter(script, line string) error {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return fmt.Errorf("%s has an empty #! line: make it  #!/bin/sh  (or #!/usr/bin/env bash)", script)
	}
	interp := fields[0]
	if runtime.GOOS == "windows" || !filepath.IsAbs(interp) {
		return nil
	}
	if _, err := os.Stat(interp); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s starts with #!%s, but %s does not exist on this machine; use  #!/usr/bin/env %s  to find it on PATH", script, line, interp, filepath.Base(interp))
	}
	return nil
}

// cmdCommand is how -cmd starts a server. A plain command (words, no shell
// syntax) is run directly, so that the tester's signals and the parent-death
// signal reach the server itself, not a shell above it; anything else goes
// to sh -c. "$@" passes the tester's arguments (--directory) on either way.
func cmdCommand(command string) (launchSpec, error) {
	spec := launchSpec{prefix: "[your_server]", learner: true, byHand: command}
	words, plain := splitPlain(command)
	if !plain {
		spec.argv = []string{"sh", "-c", command + ` "$@"`, "sh"}
		return spec, nil
	}
	path, err := exec.LookPath(words[0])
	if err != nil {
		return spec, fmt.Errorf("-cmd %s: cannot run %s: %w", shellQuote(command), words[0], err)
	}
	spec.argv = append([]string{path}, words[1:]...)
	return spec, nil
}

// shellWords are the first words a shell treats specially: its reserved
// words and the builtins a server command might start with.
var shellWords = map[string]bool{
	"!": true, "{": true, "case": true, "for": true, "if": true, "until": true, "while": true, "time": true,
	".": true, ":": true, "cd": true, "command": true, "eval": true, "exec": true, "export": true,
	"set": true, "source": true, "ulimit": true, "umask": true, "trap": true,
}

// splitPlain splits command into words if it holds no shell syntax at all:
// no quotes, expansions, globs, redirections, operators or variable
// assignments, and does not start with a shell keyword or builtin. Otherwise
// plain is false and only a shell can run it as the learner meant.
func splitPlain(command string) (words []string, plain bool) {
	if strings.ContainsAny(command, "|&;<>()$`\\\"'*?[]#~{}!\n") {
		return nil, false
	}
	words = strings.Fields(command)
	if len(words) == 0 || shellWords[words[0]] || strings.Contains(words[0], "=") {
		return nil, false
	}
	return words, true
}
