package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"text/template"
)

// starters holds the starter repositories that init writes, embedded so
// that init works offline from a fresh clone. The files directly in
// starters/ go into every starter; starters/LANG/ holds one language's.
// A name ending in .tmpl is a text/template, written without the suffix:
// that keeps go.mod and Go sources from making the directory a module or a
// package of the workbook's own, and fills the learner's paths into
// README.md.
//
//go:embed all:starters
var starters embed.FS

// A language is one starter repository and what it needs to run.
type language struct {
	Slug   string // the -lang value and the directory under starters/
	Name   string // the language's name, for people
	Source string // the file the learner edits
	Build  string // what your_program.sh does before it starts the server, if anything
	Needs  string // the toolchain, as the README states it
	Tool   string // the command your_program.sh needs on PATH
}

// languages are the starters, in the order init lists them.
var languages = []language{
	{Slug: "c", Name: "C", Source: "src/main.c", Build: "compiling it into build/ with gcc", Needs: "gcc (on macOS, the one Xcode's command-line tools install)", Tool: "gcc"},
	{Slug: "go", Name: "Go", Source: "app/main.go", Build: "compiling it into build/ with go build", Needs: "Go 1.22 or newer", Tool: "go"},
	{Slug: "javascript", Name: "JavaScript", Source: "app/main.js", Needs: "Node.js 18 or newer", Tool: "node"},
	{Slug: "python", Name: "Python", Source: "app/main.py", Needs: "Python 3.8 or newer", Tool: "python3"},
	{Slug: "rust", Name: "Rust", Source: "src/main.rs", Build: "compiling it into target/ with cargo", Needs: "Rust with cargo; no crates, so it builds offline", Tool: "cargo"},
}

// errNotEmpty is returned for a directory init would write over.
var errNotEmpty = errors.New("not empty")

// runInit is "go run ./tester init -lang LANG DIR": it writes a starter
// repository to DIR and says what to run next. Like runMain, it returns 2
// for a usage error or when it could not write.
func runInit(args []string, stdout, stderr io.Writer) int {
	flags := subcommandFlags("init", `Usage: go run ./tester init -lang LANG [-force] DIR

Writes a starter repository to DIR: a server that listens, with stage 1 left
as TODOs, and the your_program.sh that the tester runs.
`, stderr)
	slug := flags.String("lang", "", "the `language` of the starter: "+languageList())
	force := flags.Bool("force", false, "write into a directory that is not empty, replacing files of the same name")
	rest, err := parseInterspersed(flags, args)
	if err != nil {
		return 2
	}
	lang, ok := findLanguage(*slug)
	switch {
	case *slug == "":
		fmt.Fprintf(stderr, "tester init: choose the language with -lang: %s\n", languageList())
		return 2
	case !ok:
		fmt.Fprintf(stderr, "tester init: no starter for -lang %s; choose one of %s\n", *slug, languageList())
		return 2
	case len(rest) != 1:
		fmt.Fprintf(stderr, "tester init: name one directory to write the starter to, as in: go run ./tester init -lang %s ~/http-server\n", lang.Slug)
		return 2
	}
	dir, err := filepath.Abs(rest[0])
	if err != nil {
		fmt.Fprintf(stderr, "tester init: %v\n", err)
		return 2
	}
	if err := checkEmpty(dir); err != nil && (!errors.Is(err, errNotEmpty) || !*force) {
		fmt.Fprintf(stderr, "tester init: %v\n", err)
		if errors.Is(err, errNotEmpty) {
			fmt.Fprintf(stderr, "Choose a new directory, or add -force to write the starter into this one (files of the same name are replaced).\n")
		}
		return 2
	}
	if err := writeStarter(starters, lang, dir); err != nil {
		fmt.Fprintf(stderr, "tester init: %v\n", err)
		return 2
	}
	printNext(stdout, lang, dir)
	return 0
}

// parseInterspersed parses flags wherever they stand among the arguments,
// so that "init DIR -lang go" works as well as "init -lang go DIR", and
// returns the arguments that are not flags.
func parseInterspersed(flags *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		if flags.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, flags.Arg(0))
		args = flags.Args()[1:]
	}
}

func findLanguage(slug string) (language, bool) {
	for _, l := range languages {
		if l.Slug == slug {
			return l, true
		}
	}
	return language{}, false
}

// languageList names the languages as a sentence does: "c, go or rust".
func languageList() string {
	slugs := make([]string, len(languages))
	for i, l := range languages {
		slugs[i] = l.Slug
	}
	return strings.Join(slugs[:len(slugs)-1], ", ") + " or " + slugs[len(slugs)-1]
}

// checkEmpty succeeds for a directory init may write to: one that does not
// exist yet, or holds nothing but a .git, as a freshly cloned empty
// repository does.
func checkEmpty(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Name() != ".git" {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return fmt.Errorf("%s is %w: it holds %s", dir, errNotEmpty, strings.Join(names, ", "))
}

// starterData is what the .tmpl files are filled in with.
type starterData struct {
	language
	Dir      string // where the starter is written
	Workbook string // the workbook's root, where the tester runs from
}

// writeStarter writes the shared files of fsys's starters/ and then lang's
// into dir. Text is written with LF line endings whatever the workbook's
// checkout has (git's core.autocrlf on Windows), and scripts are made
// executable.
func writeStarter(fsys fs.FS, lang language, dir string) error {
	data := starterData{language: lang, Dir: dir, Workbook: workbookRoot()}
	write := func(name, dest string) error {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		if strings.HasSuffix(dest, ".tmpl") {
			dest = strings.TrimSuffix(dest, ".tmpl")
			if b, err = render(name, b, data); err != nil {
				return err
			}
		}
		return writeFile(filepath.Join(dir, filepath.FromSlash(dest)), b)
	}
	shared, err := fs.ReadDir(fsys, "starters")
	if err != nil {
		return err
	}
	for _, e := range shared {
		if !e.IsDir() {
			if err := write(path.Join("starters", e.Name()), e.Name()); err != nil {
				return err
			}
		}
	}
	root := path.Join("starters", lang.Slug)
	return fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return write(name, strings.TrimPrefix(name, root+"/"))
	})
}

func render(name string, text []byte, data starterData) ([]byte, error) {
	tmpl, err := template.New(name).Funcs(template.FuncMap{"sh": shellQuote}).Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("starter template %s: %w", name, err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		return nil, fmt.Errorf("starter template %s: %w", name, err)
	}
	return out.Bytes(), nil
}

// writeFile writes b to name, creating its directory; shell scripts are
// executable. A file that -force replaces is removed first, so that the new
// one gets these permissions (less the umask) rather than keeping the old.
func writeFile(name string, b []byte) error {
	mode := os.FileMode(0o644)
	if strings.HasSuffix(name, ".sh") {
		mode = 0o755
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.WriteFile(name, b, mode)
}

// workbookRoot is where "go run ./tester" works from, for the commands
// init prints; a placeholder if the tester runs outside the workbook.
func workbookRoot() string {
	root, err := moduleRoot(compiledAt())
	if err != nil {
		return "path/to/the/workbook"
	}
	return root
}

// printNext says what was written and the commands to run next. The tester
// runs from the workbook's root (go run ./tester needs its module), so
// the commands go there and name the starter by its absolute path.
func printNext(w io.Writer, lang language, dir string) {
	fmt.Fprintf(w, "Wrote a %s starter to %s:\n", lang.Name, dir)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "  %s\tyour server: it listens; stage 1 is its TODOs\n", lang.Source)
	fmt.Fprintf(tw, "  your_program.sh\tstarts it; the tester runs this script\n")
	fmt.Fprintf(tw, "  README.md\tthe loop: run the tester, read the failure, read the card, edit\n")
	tw.Flush()
	if _, err := exec.LookPath(lang.Tool); err != nil {
		fmt.Fprintf(w, "\nNote: %s is not on your PATH, and your_program.sh needs it. Install %s first.\n", lang.Tool, lang.Needs)
	}
	fmt.Fprintf(w, "\nNext, run the tester from the workbook, and leave it running:\n")
	tw = tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintf(tw, "  cd %s\t# the workbook\n", shellQuote(workbookRoot()))
	fmt.Fprintf(tw, "  go run ./tester -dir %s -watch\t# stage 1: binds, then fails at the echo, your first TODO\n", shellQuote(dir))
	tw.Flush()
	fmt.Fprintf(w, "Then edit %s: each save runs the tester again.\n", filepath.Join(dir, filepath.FromSlash(lang.Source)))
	fmt.Fprintf(w, "In watch mode, h shows a hint, n moves on once the stage passes, q quits;\n")
	fmt.Fprintf(w, "go run ./tester card 1 shows what to build, and every check.\n")
}
