package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runDirPrefix begins the name of the temporary directory each stage of a
// run works in: the server's files, its binary when the tester builds one.
const runDirPrefix = "httpworkbook-tester-"

// runDirOwner is the file in a run directory that holds the process ID of
// the tester that made it.
const runDirOwner = ".owner"

// makeRunDir creates a run directory and records the tester's process ID
// in it. A tester removes its directories as it finishes, but one killed
// with SIGKILL, or with the machine, cannot; so each run first removes the
// directories whose tester is gone, and /tmp does not fill with servers'
// files a run at a time.
func makeRunDir() (string, error) {
	removeOrphanRunDirs(os.TempDir())
	dir, err := os.MkdirTemp("", runDirPrefix)
	if err != nil {
		return "", err
	}
	owner := filepath.Join(dir, runDirOwner)
	if err := os.WriteFile(owner, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// removeOrphanRunDirs removes the run directories under root whose tester
// no longer runs. A directory without an owner file is left alone: it is
// not the tester's, or its tester is still writing the file.
func removeOrphanRunDirs(root string) {
	dirs, _ := filepath.Glob(filepath.Join(root, runDirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, runDirOwner))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processRuns(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}
