package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"httpworkbook/stages"
)

// runClassReport is "go run ./tester report [-o FILE.html] REPORT.json…":
// it merges the -json reports of a class, one or more per student, into
// one table of students by stages, printed as Markdown (for a CI summary
// or an issue) and, with -o, written as one HTML page that needs nothing
// but a browser.
func runClassReport(args []string, stdout, stderr io.Writer) int {
	flags := subcommandFlags("report", `Usage: go run ./tester report [-o FILE.html] REPORT.json... | DIR...

Merges the reports of go run ./tester -json, one or more per student, into a
table of students by stages. A student is named by the report's "name", else
by its file name; a directory stands for the .json files in it.
`, stderr)
	htmlOut := flags.String("o", "", "also write the table as a self-contained HTML page to `FILE.html`")
	rest, err := parseInterspersed(flags, args)
	if err != nil {
		return 2
	}
	files, err := reportFiles(rest)
	if err != nil {
		fmt.Fprintf(stderr, "tester report: %v\n", err)
		return 2
	}
	all, err := stages.All()
	if err != nil {
		fmt.Fprintf(stderr, "tester report: %v\n", err)
		return 2
	}
	class := newClass(all)
	for _, name := range files {
		if err := class.read(name); err != nil {
			fmt.Fprintf(stderr, "tester report: %v\n", err)
		}
	}
	class.sort()
	class.writeMarkdown(stdout)
	if *htmlOut != "" {
		if err := writeFileAtomic(*htmlOut, class.html); err != nil {
			fmt.Fprintf(stderr, "tester report: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "Wrote %s: %d students by %d stages.\n", *htmlOut, len(class.students), len(class.stages))
	}
	if len(class.unreadable) > 0 {
		return 1
	}
	return 0
}

// reportFiles expands the arguments: a directory stands for its .json
// files, and a pattern is globbed here, for shells that leave it alone
// (Windows' cmd).
func reportFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, errors.New("name the reports to merge, as in: go run ./tester report -o class.html reports/*.json")
	}
	var files []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		switch {
		case err == nil && fi.IsDir():
			matches, err := filepath.Glob(filepath.Join(arg, "*.json"))
			if err != nil {
				return nil, err
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%s holds no .json reports", arg)
			}
			files = append(files, matches...)
		case err == nil:
			files = append(files, arg)
		case strings.ContainsAny(arg, "*?["):
			matches, gerr := filepath.Glob(arg)
			if gerr != nil || len(matches) == 0 {
				return nil, fmt.Errorf("no report matches %s", arg)
			}
			files = append(files, matches...)
		default:
			return nil, err
		}
	}
	return files, nil
}

// classRun is what the class report reads of one -json report. It names
// only the fields it uses, so that a report from a newer or older tester,
// with fields added or gone, still reads; the tester's own report types
// carry raw bytes this view has no use for.
type classRun struct {
	Name   string       `json:"name"` // from the tester's -name, when given
	Date   string       `json:"date"` // RFC 3339, when the report has one
	Stages []classStage `json:"stages"`
}

type classStage struct {
	Stage    int             `json:"stage"`
	Title    string          `json:"title"`
	Passed   bool            `json:"passed"`
	Skipped  string          `json:"skipped"`
	Error    string          `json:"error"`
	Checks   []classCheck    `json:"checks"`
	Warnings json.RawMessage `json:"warnings"`
}

type classCheck struct {
	Slug     string          `json:"slug"`
	Name     string          `json:"name"`
	Passed   bool            `json:"passed"`
	Status   string          `json:"status"`
	Failure  *classFailure   `json:"failure"`
	Warnings json.RawMessage `json:"warnings"`
}

type classFailure struct {
	Summary string `json:"summary"`
	Hint    string `json:"hint"`
}

// A class is the merged table.
type class struct {
	stages     []classColumn
	students   []*student
	byName     map[string]*student
	unreadable []unreadableReport
}

type classColumn struct {
	Number int
	Slug   string
	Title  string
}

type unreadableReport struct {
	File, Problem string
}

// A student is one row: the latest result of each stage over their reports.
type student struct {
	Name  string
	Date  time.Time // of the latest report
	Files []string
	cells map[int]*classCell
}

// A classCell is one student's latest result for one stage.
type classCell struct {
	State    string // "passed", "failed", "skipped" or "error"
	Check    string // the slug of the check that failed
	Name     string // that check's name
	Message  string // its summary, or why the stage did not run
	Hint     string
	Warnings []string // one entry per warning; "" when the report gives only a count
	Date     time.Time
	File     string
}

func newClass(all []stages.Stage) *class {
	c := &class{byName: map[string]*student{}}
	for _, st := range all {
		c.stages = append(c.stages, classColumn{st.Number, st.Slug, st.Title})
	}
	return c
}

// read merges one report file. A file that is not a report is listed as
// unreadable, so that one student's broken upload costs only that row.
func (c *class) read(file string) error {
	b, err := os.ReadFile(file)
	var run classRun
	if err == nil {
		err = json.Unmarshal(b, &run)
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			err = nil // a field of another type: the rest still reads
		}
	}
	if err == nil && run.Stages == nil {
		err = errors.New(`it has no "stages": is it the output of go run ./tester -json?`)
	}
	if err != nil {
		c.unreadable = append(c.unreadable, unreadableReport{file, err.Error()})
		return fmt.Errorf("%s: %w", file, err)
	}
	date := reportDate(run.Date, file)
	name := strings.TrimSpace(run.Name)
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	s := c.byName[name]
	if s == nil {
		s = &student{Name: name, cells: map[int]*classCell{}}
		c.byName[name] = s
		c.students = append(c.students, s)
	}
	s.Files = append(s.Files, file)
	if date.After(s.Date) {
		s.Date = date
	}
	for _, st := range run.Stages {
		if old := s.cells[st.Stage]; old != nil && old.Date.After(date) {
			continue
		}
		cell := stageCell(st)
		cell.Date, cell.File = date, file
		s.cells[st.Stage] = cell
		c.addColumn(st)
	}
	return nil
}

// reportDate is the report's own date, else its file's modification time:
// when CI wrote it.
func reportDate(field, file string) time.Time {
	if t, err := time.Parse(time.RFC3339, field); err == nil {
		return t
	}
	if fi, err := os.Stat(file); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

// addColumn adds a stage the catalog does not have, from a report of
// another version of the course.
func (c *class) addColumn(st classStage) {
	for _, col := range c.stages {
		if col.Number == st.Stage {
			return
		}
	}
	c.stages = append(c.stages, classColumn{Number: st.Stage, Title: st.Title})
	sort.Slice(c.stages, func(i, j int) bool { return c.stages[i].Number < c.stages[j].Number })
}

func stageCell(st classStage) *classCell {
	cell := &classCell{State: "passed", Warnings: warningList(st.Warnings, "")}
	switch {
	case st.Skipped != "":
		cell.State, cell.Message = "skipped", st.Skipped
	case st.Error != "":
		cell.State, cell.Message = "error", st.Error
	case !st.Passed:
		cell.State = "failed"
	}
	for _, ch := range st.Checks {
		cell.Warnings = append(cell.Warnings, warningList(ch.Warnings, ch.Slug)...)
		if len(ch.Warnings) == 0 && strings.HasPrefix(strings.ToLower(ch.Status), "warn") {
			cell.Warnings = append(cell.Warnings, ch.Slug+": "+ch.Name)
		}
		if cell.State == "failed" && cell.Check == "" && (!ch.Passed || ch.Failure != nil) {
			cell.Check, cell.Name = ch.Slug, ch.Name
			if ch.Failure != nil {
				cell.Message, cell.Hint = ch.Failure.Summary, ch.Failure.Hint
			}
		}
	}
	return cell
}

// warningList reads a "warnings" field, whatever its shape: an array of
// messages or of objects with one, or just a count.
func warningList(raw json.RawMessage, slug string) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var count int
	if json.Unmarshal(raw, &count) == nil {
		return make([]string, max(0, count))
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		var text string
		var obj map[string]any
		if json.Unmarshal(it, &text) != nil && json.Unmarshal(it, &obj) == nil {
			for _, key := range []string{"summary", "message", "name"} {
				if s, ok := obj[key].(string); ok && s != "" {
					text = s
					break
				}
			}
			if s, ok := obj["slug"].(string); ok && slug == "" {
				slug = s
			}
		}
		if text != "" && slug != "" {
			text = slug + ": " + text
		}
		out[i] = text
	}
	return out
}

func (c *class) sort() {
	sort.SliceStable(c.students, func(i, j int) bool {
		return strings.ToLower(c.students[i].Name) < strings.ToLower(c.students[j].Name)
	})
}

// furthest names the last stage s has passed, "stage 3", or "–". A run
// of stage 3 repeats the checks of 1 and 2 that still apply, so this is
// how far a student has come even when CI reports one stage at a time.
func (s *student) furthest() string {
	best := 0
	for n, cell := range s.cells {
		if cell.State == "passed" && n > best {
			best = n
		}
	}
	if best == 0 {
		return "–"
	}
	return fmt.Sprintf("stage %d", best)
}
