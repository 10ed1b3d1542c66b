package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"httpworkbook/stages"
)

// The progress file lives in the learner's repository, so that progress
// travels with the code it describes (another clone, another machine) and
// the learner decides whether to commit it.
const (
	progressDir    = ".httpworkbook"
	progressFile   = "progress.json"
	progressSchema = 1
	progressAbout  = "The workbook tester's record of the stages this repository has passed. Commit it or ignore it, as you like; delete it to start the record again."
)

// errProgressCorrupt is returned for a progress file the tester cannot
// read; its message says which file, and how to recover.
var errProgressCorrupt = errors.New("cannot read the progress file")

// progress is what the tester remembers about one learner's repository
// from one run to the next: the stages passed, and for the stage being
// worked on, the check that failed last and how many of its hints were
// shown. Stages are keyed by slug, not number, so that a record survives a
// course that gains a stage.
type progress struct {
	Schema int                       `json:"schema"`
	About  string                    `json:"about,omitempty"`
	Stages map[string]*stageProgress `json:"stages"`

	path string // where it was loaded from and is saved to
}

// stageProgress is one stage's record. Passed, Seed and Tester describe the
// first pass, which is the one that counts: a later run of the same stage
// may fail without undoing it.
type stageProgress struct {
	Passed string `json:"passed,omitempty"` // RFC 3339
	Seed   int64  `json:"seed,omitempty"`   // the payloads of that pass, for -seed
	Tester string `json:"tester,omitempty"` // the workbook's commit, when known

	LastFailed string `json:"last_failed,omitempty"` // the slug of the check that failed last
	FailedAt   string `json:"failed_at,omitempty"`   // RFC 3339
	HintsShown int    `json:"hints_shown,omitempty"` // of LastFailed's hints, in order
}

// progressPath is where dir's progress file is.
func progressPath(dir string) string {
	return filepath.Join(dir, progressDir, progressFile)
}

// loadProgress reads dir's progress file. A missing file is a repository
// that has passed nothing yet, not an error.
func loadProgress(dir string) (*progress, error) {
	p := &progress{Schema: progressSchema, About: progressAbout, Stages: map[string]*stageProgress{}, path: progressPath(dir)}
	b, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	p.Schema = 0 // the file must say which it is
	if err := json.Unmarshal(b, p); err != nil {
		return nil, p.corrupt(err.Error())
	}
	switch {
	case p.Schema > progressSchema:
		return nil, fmt.Errorf("%s was written by a newer tester (schema %d; this one reads %d): update the workbook (git pull), or delete the file to start the record again", p.path, p.Schema, progressSchema)
	case p.Schema < 1:
		return nil, p.corrupt("it has no schema version")
	}
	if p.Stages == nil {
		p.Stages = map[string]*stageProgress{}
	}
	for slug, sp := range p.Stages {
		if sp == nil {
			delete(p.Stages, slug)
			continue
		}
		if _, err := time.Parse(time.RFC3339, sp.Passed); sp.Passed != "" && err != nil {
			return nil, p.corrupt(fmt.Sprintf("stage %q has the pass date %q, not an RFC 3339 time", slug, sp.Passed))
		}
	}
	return p, nil
}

func (p *progress) corrupt(why string) error {
	return fmt.Errorf("%w %s (%s): fix it by hand, or delete the file to start the record again; your code is not affected, only which stages count as passed", errProgressCorrupt, p.path, why)
}

// save writes the file atomically, to a temporary file beside it and then
// renamed over it, so that a tester stopped half way (Ctrl-C in watch
// mode) never leaves half a record.
func (p *progress) save() error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := os.MkdirAll(filepath.Dir(p.path), 0o755); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	err = writeFileAtomic(p.path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// writeFileAtomic writes what fill produces to name, through a temporary
// file, so that no reader (a browser, the next run of the tester) ever sees it
// half written.
func writeFileAtomic(name string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// updateProgress loads dir's progress, applies change and saves it: the
// whole of what a run does with the file after a pass or a failure.
func updateProgress(dir string, change func(*progress)) (*progress, error) {
	p, err := loadProgress(dir)
	if err != nil {
		return nil, err
	}
	change(p)
	return p, p.save()
}

func (p *progress) stage(st stages.Stage) *stageProgress {
	sp := p.Stages[st.Slug]
	if sp == nil {
		sp = &stageProgress{}
		p.Stages[st.Slug] = sp
	}
	return sp
}

// passed reports whether st has passed, and when.
func (p *progress) passed(st stages.Stage) (time.Time, bool) {
	sp := p.Stages[st.Slug]
	if sp == nil || sp.Passed == "" {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, sp.Passed)
	return at, err == nil
}

// recordPass records that st passed at now with seed, and reports whether
// it was the first pass, the one after which the tester may point at the
// stage's reference solution. The record of the last failure goes: there
// is nothing left to hint at.
func (p *progress) recordPass(st stages.Stage, seed int64, now time.Time) (first bool) {
	sp := p.stage(st)
	sp.LastFailed, sp.FailedAt, sp.HintsShown = "", "", 0
	if sp.Passed != "" {
		return false
	}
	sp.Passed = now.Format(time.RFC3339)
	sp.Seed = seed
	sp.Tester = testerVersion()
	return true
}

// recordFailure records that st failed at the check slug. The count of
// hints shown restarts when a different check fails; the same check
// failing again keeps it, so that "hint" goes on to the next one.
func (p *progress) recordFailure(st stages.Stage, slug string, now time.Time) {
	sp := p.stage(st)
	if sp.LastFailed != slug {
		sp.HintsShown = 0
	}
	sp.LastFailed = slug
	sp.FailedAt = now.Format(time.RFC3339)
}

// lastFailure returns the check of st that failed last and how many of its
// hints were shown; slug is "" when st has not failed since its last pass.
func (p *progress) lastFailure(st stages.Stage) (slug string, hintsShown int) {
	if sp := p.Stages[st.Slug]; sp != nil {
		return sp.LastFailed, sp.HintsShown
	}
	return "", 0
}

// lastFailed returns the stage whose last run failed most recently: the
// one a learner asking for a hint is stuck on, even when it is not the
// first stage not passed (a later stage tested with -stage).
func (p *progress) lastFailed(all []stages.Stage) (stages.Stage, bool) {
	var found stages.Stage
	var latest time.Time
	ok := false
	for _, st := range all {
		sp := p.Stages[st.Slug]
		if sp == nil || sp.LastFailed == "" {
			continue
		}
		at, _ := time.Parse(time.RFC3339, sp.FailedAt)
		if !ok || !at.Before(latest) {
			found, latest, ok = st, at, true
		}
	}
	return found, ok
}

// recordHintShown counts one more hint shown for st's last failure.
func (p *progress) recordHintShown(st stages.Stage) {
	if sp := p.Stages[st.Slug]; sp != nil && sp.LastFailed != "" {
		sp.HintsShown++
	}
}

// current returns the stage to work on: the first one of all not passed.
// It returns false when every stage has passed.
func (p *progress) current(all []stages.Stage) (stages.Stage, bool) {
	for _, st := range all {
		if _, ok := p.passed(st); !ok {
			return st, true
		}
	}
	return stages.Stage{}, false
}

// picks is the stage a run with -dir and no -stage tests: the current
// one, or the last once every stage has passed, which a run may still
// test with -strict.
func (p *progress) picks(all []stages.Stage) stages.Stage {
	if st, ok := p.current(all); ok {
		return st
	}
	return all[len(all)-1]
}

// testerVersion names the workbook's commit, so that a record of a pass
// says which checks it passed: the build's own stamp when there is one
// (go build), else git's answer in the workbook (go run stamps nothing),
// else nothing.
func testerVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				return s.Value[:min(12, len(s.Value))]
			}
		}
	}
	root, err := moduleRoot(compiledAt())
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
