package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// reporter writes the tester's lines. The tester's own lines and the server's
// relayed output go through the same lock, so they interleave whole lines in
// the order they happened.
type reporter struct {
	mu      sync.Mutex
	w       io.Writer
	colour  bool
	verbose bool
}

// ANSI colours, used only on a terminal and never when NO_COLOR is set
// (https://no-color.org).
const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	dim    = "\x1b[2m"
	reset  = "\x1b[0m"
)

// wantColour reports whether f is a terminal that colours would help.
func wantColour(f *os.File) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (r *reporter) paint(colour, s string) string {
	if !r.colour {
		return s
	}
	return colour + s + reset
}

// line prints one line under a prefix such as "[stage-1]".
func (r *reporter) line(prefix, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "%s %s\n", prefix, fmt.Sprintf(format, args...))
}

// relay prints a line of the server's own output.
func (r *reporter) relay(prefix, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "%s %s\n", r.paint(dim, prefix), text)
}

// write lets fn write several lines at once, such as a paragraph that
// follows a stage's verdict, without another line in between.
func (r *reporter) write(fn func(w io.Writer)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r.w)
}

// block prints a labelled block of raw bytes, one output line per line of
// the message, escaped, with a body that is not text as a hex dump.
func (r *reporter) block(prefix, label string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "%s   %s\n", prefix, label)
	for _, l := range showMessage(b) {
		fmt.Fprintf(r.w, "%s     %s\n", prefix, l)
	}
}

// printPass prints a check that passed: a tick, or a "!" when it has
// warnings, each with its section and why it is only advice.
func printPass(rep *reporter, prefix string, c check, warnings []warning, repro []reproLine, measured []string) {
	if len(warnings) == 0 {
		rep.line(prefix, "%s %s", rep.paint(green, "✓"), c.name)
		printMeasured(rep, prefix, measured)
		printRepro(rep, prefix, repro)
		return
	}
	rep.line(prefix, "%s %s", rep.paint(yellow, "!"), c.name)
	printMeasured(rep, prefix, measured)
	printRepro(rep, prefix, repro)
	printWarnings(rep, prefix, warnings)
}

// printWarnings prints each warning with its section and why it is only
// advice.
func printWarnings(rep *reporter, prefix string, warnings []warning) {
	for _, w := range warnings {
		rep.line(prefix, "  %s %s (%s)", rep.paint(yellow, "warning:"), w.Summary, w.Section)
		rep.line(prefix, "    %s", w.Why)
	}
}

// printFailure explains a failed check: the warnings it raised before it
// failed, which often say what the server chose, the summary, the rule
// that decides it, the exchange with every \r\n visible, where expected
// and received first differ, and what to read.
func printFailure(rep *reporter, prefix string, c check, f *failure, repro []reproLine, warnings []warning) {
	rep.line(prefix, "%s %s", rep.paint(red, "✗"), c.name)
	printRepro(rep, prefix, repro)
	printWarnings(rep, prefix, warnings)
	rep.line(prefix, "  %s", f.Summary)
	switch {
	case f.Advised:
		rep.line(prefix, "  advised by %s: a warning, which -pedantic makes a failure", f.Section)
	case strings.HasPrefix(f.Section, "RFC"), strings.HasPrefix(f.Section, "the Fetch standard"), strings.HasPrefix(f.Section, "WHATWG"):
		rep.line(prefix, "  required by %s", f.Section)
	}
	if f.Detail != "" {
		rep.line(prefix, "  %s", f.Detail)
	}
	if f.Sent != nil {
		rep.block(prefix, "sent:", f.Sent)
	}
	if f.Want != nil {
		rep.block(prefix, "expected:", f.Want)
	}
	if f.Sent != nil || f.Want != nil {
		rep.block(prefix, "received:", f.Got)
	}
	if f.Diff == "" && f.Want != nil {
		f.Diff = describeDiff(f.Want, f.Got)
	}
	if f.Diff != "" {
		rep.line(prefix, "  %s", f.Diff)
	}
	if f.Hint != "" {
		rep.line(prefix, "  hint: %s", f.Hint)
	}
	if f.Regression != "" {
		rep.line(prefix, "  regression: %s; the usual causes:", f.Regression)
		for _, c := range f.LikelyCauses {
			rep.line(prefix, "    - %s", c)
		}
	}
	if c.read != "" {
		rep.line(prefix, "  read: %s", c.read)
	}
}

// printMeasured prints the figures a check measured.
func printMeasured(rep *reporter, prefix string, measured []string) {
	for _, m := range measured {
		rep.line(prefix, "  measured: %s", m)
	}
}

// printRepro prints the commands that repeat a check's requests by hand.
func printRepro(rep *reporter, prefix string, repro []reproLine) {
	for _, r := range repro {
		rep.line(prefix, "  $ %s", r.cmd)
	}
}

// reportSchema is the version of the -json report's shape. It changes when
// a field changes meaning or goes away, not when one is added.
const reportSchema = 2

// checkResult is one check's outcome, as the -json report records it.
type checkResult struct {
	Stage     int       `json:"stage"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Passed    bool      `json:"passed"`
	Millis    int64     `json:"duration_ms"`
	Failure   *failure  `json:"failure,omitempty"`
	Warnings  []warning `json:"warnings,omitempty"`
	Measured  []string  `json:"measured,omitempty"`
	Reproduce []string  `json:"reproduce,omitempty"`

	repro []reproLine // the commands with the statuses they should get, for the tests
}

// counts sum up a stage's checks. A check that passed with warnings counts
// as passed, and as warned.
type counts struct {
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	Warned int `json:"warned"`
	NotRun int `json:"not_run"`
}

// String says the counts in a sentence, for the line after a failed stage.
func (n counts) String() string {
	s := fmt.Sprintf("%d passed", n.Passed)
	if n.Warned > 0 {
		s += fmt.Sprintf(" (%d with warnings)", n.Warned)
	}
	s += fmt.Sprintf(", %d failed", n.Failed)
	if n.NotRun > 0 {
		s += fmt.Sprintf(", %d did not run", n.NotRun)
	}
	return s + fmt.Sprintf(", of %d checks", n.Passed+n.Failed+n.NotRun)
}

// stageResult is one stage run: the server tested and its checks.
type stageResult struct {
	Stage       int           `json:"stage"`
	Title       string        `json:"title"`
	Target      string        `json:"target"`
	Passed      bool          `json:"passed"`
	Interrupted bool          `json:"interrupted,omitempty"`
	Skipped     string        `json:"skipped,omitempty"`
	Planned     []string      `json:"planned"`
	Counts      counts        `json:"counts"`
	Checks      []checkResult `json:"checks"`
	elapsed     time.Duration
}

// tally counts the checks and decides whether the stage passed: every
// planned check ran, and none failed.
func (st *stageResult) tally() {
	st.Counts = counts{}
	for _, c := range st.Checks {
		switch {
		case !c.Passed:
			st.Counts.Failed++
		case len(c.Warnings) > 0:
			st.Counts.Warned++
			st.Counts.Passed++
		default:
			st.Counts.Passed++
		}
	}
	st.Counts.NotRun = len(st.Planned) - len(st.Checks)
	st.Passed = !st.Interrupted && st.Counts.Failed == 0 && st.Counts.NotRun == 0
}

// report is the whole run, printed by -json.
type report struct {
	Schema      int           `json:"schema"`
	Name        string        `json:"name,omitempty"`  // the student, from -name, for the class report
	Track       string        `json:"track,omitempty"` // "codecrafters" for -codecrafters
	Seed        int64         `json:"seed,omitempty"`
	Strict      bool          `json:"strict"`
	Pedantic    bool          `json:"pedantic"`
	Passed      bool          `json:"passed"`
	Interrupted bool          `json:"interrupted"`
	Error       string        `json:"error,omitempty"` // why the tester could not run (exit status 2)
	Stages      []stageResult `json:"stages"`
}

// add records a stage's result in the run's.
func (rep *report) add(st stageResult) {
	rep.Stages = append(rep.Stages, st)
	rep.Passed = rep.Passed && st.Passed
	rep.Interrupted = rep.Interrupted || st.Interrupted
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// summary prints the table shown after a run of several stages.
func (r *reporter) summary(rep *report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.w)
	fmt.Fprintf(r.w, "%-7s %-46s %-8s %-7s %s\n", "stage", "title", "passed", "warned", "result")
	fmt.Fprintf(r.w, "%-7s %-46s %-8s %-7s %s\n", "-----", strings.Repeat("-", 46), "------", "------", "------")
	for _, st := range rep.Stages {
		result := r.paint(green, "pass")
		switch {
		case st.Skipped != "":
			result = r.paint(yellow, "skipped: "+st.Skipped)
		case st.Interrupted:
			result = r.paint(yellow, "interrupted")
		case !st.Passed:
			result = r.paint(red, "FAIL")
		}
		fmt.Fprintf(r.w, "%-7d %-46s %-8s %-7d %s\n", st.Stage, st.Title, fmt.Sprintf("%d/%d", st.Counts.Passed, len(st.Planned)), st.Counts.Warned, result)
	}
	fmt.Fprintf(r.w, "\nseed %d: rerun with -seed %d to send the same payloads\n", rep.Seed, rep.Seed)
}
