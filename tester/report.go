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

// block prints a labelled block of raw bytes, escaped, one output line per
// line of the message.
func (r *reporter) block(prefix, label string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := escapeBytes(b)
	fmt.Fprintf(r.w, "%s   %s\n", prefix, label)
	for _, l := range lines {
		fmt.Fprintf(r.w, "%s     %s\n", prefix, l)
	}
}

// checkResult is one check's outcome, as the -json report records it.
type checkResult struct {
	Stage     int      `json:"stage"`
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Passed    bool     `json:"passed"`
	Millis    int64    `json:"duration_ms"`
	Failure   *failure `json:"failure,omitempty"`
	Reproduce []string `json:"reproduce,omitempty"`
}

// stageResult is one stage run: the server tested and its checks.
type stageResult struct {
	Stage   int           `json:"stage"`
	Title   string        `json:"title"`
	Target  string        `json:"target"`
	Passed  bool          `json:"passed"`
	Skipped string        `json:"skipped,omitempty"`
	Error   string        `json:"error,omitempty"`
	Checks  []checkResult `json:"checks"`
	elapsed time.Duration
}

// report is the whole run, printed by -json.
type report struct {
	Seed   int64         `json:"seed"`
	Strict bool          `json:"strict"`
	Passed bool          `json:"passed"`
	Stages []stageResult `json:"stages"`
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
	fmt.Fprintf(r.w, "%-7s %-46s %-8s %s\n", "stage", "title", "checks", "result")
	fmt.Fprintf(r.w, "%-7s %-46s %-8s %s\n", "-----", strings.Repeat("-", 46), "------", "------")
	for _, st := range rep.Stages {
		passed := 0
		for _, c := range st.Checks {
			if c.Passed {
				passed++
			}
		}
		result := r.paint(green, "pass")
		switch {
		case st.Skipped != "":
			result = r.paint(yellow, "skipped: "+st.Skipped)
		case !st.Passed:
			result = r.paint(red, "FAIL")
		}
		fmt.Fprintf(r.w, "%-7d %-46s %-8s %s\n", st.Stage, st.Title, fmt.Sprintf("%d/%d", passed, len(st.Checks)), result)
	}
	fmt.Fprintf(r.w, "\nseed %d: rerun with -seed %d to send the same payloads\n", rep.Seed, rep.Seed)
}
