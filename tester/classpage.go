package main

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// classView is the class report as both of its forms show it: the table,
// then a note for each failure and each stage with warnings.
type classView struct {
	Stages     []classColumn
	Rows       []rowView
	Failures   []noteView
	Warnings   []noteView
	Unreadable []unreadableReport
	Reports    int
	Generated  string
}

type rowView struct {
	Name     string
	Cells    []cellView
	Furthest string // the highest stage passed: how far the student has come
	Date     string
	Files    string
}

type cellView struct {
	State  string // passed, failed, skipped, error, or none: in no report
	Text   string // what the cell says: ✓, ✗ and the check, …
	Title  string // the failure's message, for the page's tooltip
	Anchor string // the note below that explains it
	Warns  int
}

// A noteView explains one cell: the check that failed with its message,
// or the warnings a passed stage had.
type noteView struct {
	ID         string
	Student    string
	Stage      int
	StageTitle string
	Check      string
	CheckName  string
	Message    string
	Hint       string
	Warnings   []string // the messages known; Count may be more
	Count      int
}

const timeLayout = "2006-01-02 15:04"

// view lays the class out for writing.
func (c *class) view() classView {
	v := classView{Stages: c.stages, Unreadable: c.unreadable, Generated: time.Now().Format(timeLayout)}
	for r, s := range c.students {
		v.Reports += len(s.Files)
		row := rowView{Name: s.Name, Furthest: s.furthest(), Files: strings.Join(s.Files, ", ")}
		if !s.Date.IsZero() {
			row.Date = s.Date.Format(timeLayout)
		}
		for _, col := range c.stages {
			cell, note := cellAndNote(s.cells[col.Number], fmt.Sprintf("s%d-%d", r+1, col.Number))
			row.Cells = append(row.Cells, cell)
			if note == nil {
				continue
			}
			note.Student, note.Stage, note.StageTitle = s.Name, col.Number, col.Title
			if cell.State == "passed" {
				v.Warnings = append(v.Warnings, *note)
			} else {
				v.Failures = append(v.Failures, *note)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

// cellAndNote describes one cell, and the note below the table that
// explains it, if it needs one.
func cellAndNote(cell *classCell, id string) (cellView, *noteView) {
	if cell == nil {
		return cellView{State: "none", Text: "·"}, nil
	}
	cv := cellView{State: cell.State, Warns: len(cell.Warnings)}
	note := &noteView{ID: id, Check: cell.Check, CheckName: cell.Name, Message: cell.Message, Hint: cell.Hint, Count: len(cell.Warnings)}
	for _, w := range cell.Warnings {
		if w != "" {
			note.Warnings = append(note.Warnings, w)
		}
	}
	switch cell.State {
	case "passed":
		cv.Text = "✓"
		if cv.Warns == 0 {
			return cv, nil
		}
	case "failed":
		cv.Text = "✗ " + cell.Check
		if cell.Check == "" {
			cv.Text = "✗"
		}
	case "skipped":
		cv.Text = "– skipped"
	default:
		cv.Text = "✗ did not run"
	}
	cv.Title = strings.TrimSpace(cell.Name + ": " + cell.Message)
	cv.Anchor = id
	return cv, note
}

// countNoun says "1 warning", "2 warnings".
func countNoun(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeMarkdown prints the class as a GitHub-flavoured Markdown table,
// with the failures and warnings as lists under it.
func (c *class) writeMarkdown(w io.Writer) {
	v := c.view()
	fmt.Fprintf(w, "# Class report\n\n%s, from %s. ✓ passed, ✗ failed at the check named (its message is under Failures), – skipped, · in no report; furthest is the last stage passed.\n\n",
		countNoun(len(v.Rows), "student"), countNoun(v.Reports, "report"))
	header := []string{"student"}
	for _, col := range v.Stages {
		name := col.Slug
		if name == "" {
			name = col.Title // a stage of another course version
		}
		header = append(header, mdEscape(fmt.Sprintf("%d %s", col.Number, name)))
	}
	header = append(header, "furthest", "date")
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, row := range v.Rows {
		cells := []string{mdEscape(row.Name)}
		for _, cell := range row.Cells {
			text := cell.Text
			if cell.Warns > 0 {
				text += " (" + countNoun(cell.Warns, "warning") + ")"
			}
			cells = append(cells, mdEscape(text))
		}
		cells = append(cells, row.Furthest, row.Date)
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	if len(v.Failures) > 0 {
		fmt.Fprintf(w, "\n## Failures\n\n")
		for _, n := range v.Failures {
			fmt.Fprintf(w, "- **%s**, stage %d (%s): ", mdEscape(n.Student), n.Stage, mdEscape(n.StageTitle))
			switch {
			case n.Check != "":
				fmt.Fprintf(w, "%s, %s: %s\n", mdCode(n.Check), mdEscape(n.CheckName), mdCode(n.Message))
			default:
				fmt.Fprintf(w, "%s\n", mdCode(n.Message))
			}
		}
	}
	if len(v.Warnings) > 0 {
		fmt.Fprintf(w, "\n## Warnings\n\n")
		for _, n := range v.Warnings {
			fmt.Fprintf(w, "- **%s**, stage %d (%s): %s\n", mdEscape(n.Student), n.Stage, mdEscape(n.StageTitle), countNoun(n.Count, "warning"))
			for _, msg := range n.Warnings {
				fmt.Fprintf(w, "  - %s\n", mdCode(msg))
			}
		}
	}
	if len(v.Unreadable) > 0 {
		fmt.Fprintf(w, "\n## Reports that could not be read\n\n")
		for _, u := range v.Unreadable {
			fmt.Fprintf(w, "- %s: %s\n", mdCode(u.File), mdEscape(u.Problem))
		}
	}
}

// mdEscape keeps text from reading as Markdown, or from ending a table
// cell, where a student's name or a title lands.
func mdEscape(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode shows s as inline code, exactly: a message with its \r\n.
func mdCode(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if fence != "`" || strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// html writes the class as one page: inline styles, no script and nothing
// fetched, so that it opens from a file, a CI artifact or an e-mail,
// offline. html/template escapes every name and message.
func (c *class) html(w io.Writer) error {
	return classPage.Execute(w, c.view())
}

var classPage = template.Must(template.New("class").Funcs(template.FuncMap{"countNoun": countNoun}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 75rem; padding: 0 1rem; color: #1b1f24; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
th small { display: block; font-weight: normal; color: #57606a; }
td.passed { background: #dafbe1; }
td.failed, td.error { background: #ffebe9; }
td.skipped { background: #fff8c5; }
td.none { color: #8c959f; text-align: center; }
td a { color: inherit; }
td.date { white-space: nowrap; }
.warn { display: block; font-size: .85em; color: #7d4e00; }
code { font: .9em ui-monospace, monospace; background: #f6f8fa; padding: .1em .3em; border-radius: 4px; white-space: pre-wrap; word-break: break-word; }
.legend, footer { color: #57606a; }
li { margin-bottom: .4rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; }
  th, td { border-color: #30363d; }
  thead th, code { background: #161b22; }
  td.passed { background: #12361f; } td.failed, td.error { background: #4a1619; } td.skipped { background: #3b2e00; }
  .warn { color: #e3b341; } .legend, footer, th small { color: #8b949e; }
}
</style>
</head>
<body>
<h1>Class report</h1>
<p class="legend">{{countNoun (len .Rows) "student"}}, from {{countNoun .Reports "report"}}. ✓ passed, ✗ failed at the check named (its message is below), – skipped, · in no report; furthest is the last stage passed.</p>
<table>
<thead><tr><th scope="col">student</th>{{range .Stages}}<th scope="col">{{.Number}} {{.Slug}}<small>{{.Title}}</small></th>{{end}}<th scope="col">furthest</th><th scope="col">date</th></tr></thead>
<tbody>
{{range .Rows}}<tr><th scope="row" title="{{.Files}}">{{.Name}}</th>{{range .Cells}}<td class="{{.State}}"{{if .Title}} title="{{.Title}}"{{end}}>{{if .Anchor}}<a href="#{{.Anchor}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{if .Warns}}<span class="warn">{{countNoun .Warns "warning"}}</span>{{end}}</td>{{end}}<td>{{.Furthest}}</td><td class="date">{{.Date}}</td></tr>
{{end}}</tbody>
</table>
{{with .Failures}}<h2>Failures</h2>
<ul>
{{range .}}<li id="{{.ID}}"><strong>{{.Student}}</strong>, stage {{.Stage}} ({{.StageTitle}}){{if .Check}}: <code>{{.Check}}</code>, {{.CheckName}}{{end}}{{if .Message}}<br><code>{{.Message}}</code>{{end}}{{if .Hint}}<br>hint: {{.Hint}}{{end}}</li>
{{end}}</ul>
{{end}}{{with .Warnings}}<h2>Warnings</h2>
<ul>
{{range .}}<li id="{{.ID}}"><strong>{{.Student}}</strong>, stage {{.Stage}} ({{.StageTitle}}): {{countNoun .Count "warning"}}{{with .Warnings}}<ul>{{range .}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}</li>
{{end}}</ul>
{{end}}{{with .Unreadable}}<h2>Reports that could not be read</h2>
<ul>
{{range .}}<li><code>{{.File}}</code>: {{.Problem}}</li>
{{end}}</ul>
{{end}}<footer><p>Written by <code>go run ./tester report</code> on {{.Generated}}.</p></footer>
</body>
</html>
`))
