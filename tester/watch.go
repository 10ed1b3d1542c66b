package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// This file is the part of watch mode that does not need the run loop:
// seeing that a learner saved a file. It polls, with the standard library
// only, so that it works alike on Linux, macOS and Windows.

// watchSkips are the directories whose changes never rerun the tester:
// version control, the tester's own record, and what the starters' builds
// and toolchains write (a rerun must not be caused by its own compile).
var watchSkips = map[string]bool{
	".git": true, progressDir: true, "build": true, "target": true,
	"node_modules": true, "__pycache__": true, ".venv": true,
}

// watchSkipFiles are files that builds write beside the learner's own:
// cargo writes Cargo.lock on the first build, which must not restart the
// run that did the build.
var watchSkipFiles = map[string]bool{"Cargo.lock": true}

// watchLimit bounds the files one poll looks at: -dir ~ by mistake must
// not make the tester walk a whole home directory twice a second.
const watchLimit = 20000

var errTooManyFiles = errors.New("too many files to watch")

// A treeStamp is what a poll saw of each file: enough to see a save.
type treeStamp map[string]fileStamp

type fileStamp struct {
	size    int64
	modTime int64 // in nanoseconds, comparable with ==
	mode    fs.FileMode
}

// stampTree looks at every file under dir but the skipped directories and
// editors' scratch files.
func stampTree(dir string) (treeStamp, error) {
	stamps := treeStamp{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while we walked: the next poll sees it
			}
			return err
		}
		if d.IsDir() {
			if path != dir && watchSkips[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if isScratchFile(d.Name()) || watchSkipFiles[d.Name()] {
			return nil
		}
		if len(stamps) == watchLimit {
			return fmt.Errorf("%s: %w (over %d; skipped are %s): is it your server's repository?", dir, errTooManyFiles, watchLimit, strings.Join(watchSkipList(), ", "))
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone since the directory was read
		}
		rel, _ := filepath.Rel(dir, path)
		stamps[filepath.ToSlash(rel)] = fileStamp{info.Size(), info.ModTime().UnixNano(), info.Mode()}
		return nil
	})
	return stamps, err
}

// isScratchFile reports an editor's swap, backup or lock file, which
// changes while the learner types, before anything is saved.
func isScratchFile(name string) bool {
	return strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swx") ||
		strings.HasSuffix(name, "~") || strings.HasPrefix(name, ".#") ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"))
}

func watchSkipList() []string {
	var names []string
	for n := range watchSkips {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// changed returns a file that differs between two polls, added or
// removed ones included, for the line that says why the tester reran.
func (a treeStamp) changed(b treeStamp) (string, bool) {
	var names []string
	for name, s := range b {
		if old, ok := a[name]; !ok || old != s {
			names = append(names, name)
		}
	}
	for name := range a {
		if _, ok := b[name]; !ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", false
	}
	sort.Strings(names)
	return names[0], true
}

// waitForChange polls dir every interval until a file differs from since,
// and returns the new stamps and the file; or ctx's error when it is done
// first (Ctrl-C, or a key in watch mode).
func waitForChange(ctx context.Context, dir string, since treeStamp, interval time.Duration) (treeStamp, string, error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return since, "", ctx.Err()
		case <-tick.C:
		}
		now, err := stampTree(dir)
		if err != nil {
			return since, "", err
		}
		if name, ok := since.changed(now); ok {
			return now, name, nil
		}
	}
}
