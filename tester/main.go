// Command tester drives real TCP traffic against an HTTP server built stage
// by stage, the way CodeCrafters' tester does, but offline and with failures
// explained: what was sent, what came back with every \r\n visible, where
// the two first differ, and what to read next.
//
// Usage:
//
//	go run ./tester                       every stage against its reference solution
//	go run ./tester -stage 2              stage 2's checks against stage02_parse
//	go run ./tester -dir ~/mine           the first stage ~/mine has not passed, run by ~/mine/your_program.sh
//	go run ./tester -dir ~/mine -watch    again whenever a file under ~/mine changes
//	go run ./tester -stage 2 -dir ~/mine  stage 2 against ~/mine/your_program.sh
//	go run ./tester -stage 2 -cmd 'python3 app.py'
//	go run ./tester -stage 2 -addr localhost:4221
//	go run ./tester -stage 2 -list        the checks of stage 2, and what they require
//	go run ./tester -stage 5 -api         with the API middleware's checks, each server restarted with their flags
//	go run ./tester -codecrafters -dir ~/codecrafters-http-server-go
//	                                      CodeCrafters' 14 stages as its tester judges
//	                                      them, then warnings of what real clients need
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"httpworkbook/stages"
)

// options are the tester's command-line flags.
type options struct {
	stage    int
	ccTrack  bool // -codecrafters: CodeCrafters' 14 stages instead of a stage
	ref      int
	dir      string
	cmd      string
	addr     string
	files    string
	seed     int64
	strict   bool
	api      bool // -api: the API middleware checks too, each with a server of its own
	pedantic bool
	list     bool
	verbose  bool
	json     bool
	run      *regexp.Regexp
	wait     time.Duration
	timeout  time.Duration
	name     string // the student, for the class report
	watch    bool

	autoStage bool // the stage was chosen from -dir's progress, not by -stage
	allPassed bool // and every stage had passed, so it is the last one again
}

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain is main without os.Exit, so the testscript tests can call it.
// It returns 0 when every check passed, 1 when one failed and 2 for a usage
// error or when the tester itself could not run.
func runMain(args []string, stdout, stderr io.Writer) int {
	if sub, ok := findSubcommand(args); ok {
		return sub.run(args[1:], stdout, stderr)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		if o != nil && o.json && !errors.Is(err, errUsage) {
			(&report{Schema: reportSchema, Name: o.name, Error: err.Error()}).writeJSON(stdout)
		}
		if !errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "tester: %v\n", err)
		}
		return 2
	}
	if o.list {
		return listChecks(stdout, o)
	}

	out := stdout
	if o.json {
		out = stderr
	}
	colour := false
	if f, ok := out.(*os.File); ok {
		colour = wantColour(f)
	}
	rep := &reporter{w: out, colour: colour, verbose: o.verbose}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.watch {
		return watchMain(ctx, o, rep, stderr)
	}
	result, err := run(ctx, o, rep)
	if o.json {
		if result == nil {
			result = &report{Schema: reportSchema, Name: o.name, Seed: o.seed}
		}
		if err != nil && ctx.Err() == nil {
			result.Error = err.Error()
		}
		result.Interrupted = result.Interrupted || ctx.Err() != nil
		result.Passed = result.Passed && err == nil && ctx.Err() == nil
		result.writeJSON(stdout)
	}
	if code, ended := stoppedStatus(ctx, err, stderr); ended {
		return code
	}
	if !result.Passed {
		return 1
	}
	return 0
}

// stoppedStatus says why a run stopped, if it did before its verdict, and
// returns the exit status: 130 when it was interrupted, as a shell reports
// Ctrl-C, and 2 when the tester could not run.
func stoppedStatus(ctx context.Context, err error, stderr io.Writer) (code int, stopped bool) {
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "tester: interrupted; the server was stopped")
		return 130, true
	case err != nil:
		fmt.Fprintf(stderr, "tester: %v\n", err)
		return 2, true
	}
	return 0, false
}

// errUsage marks a command line the flag package has already explained.
var errUsage = errors.New("usage")

// parseFlags reads the command line into options and checks them. The
// options come back with an error too, so that -json can report it.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("tester", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var runPattern string
	fs.IntVar(&o.stage, "stage", 0, "test this stage (1-6), with the earlier stages' checks that still apply; 0 tests every stage against its reference, or with -dir the first stage not passed")
	fs.BoolVar(&o.ccTrack, "codecrafters", false, "run CodeCrafters' HTTP server challenge, its 14 stages judged as its tester judges them, then warn of what real clients need that it never tries")
	fs.IntVar(&o.ref, "ref", 0, "test the reference solution of this stage instead of the selected stage's (instructors: does stage 3's reference pass stage 4?)")
	fs.StringVar(&o.dir, "dir", "", "test the program started by `PATH`/your_program.sh, CodeCrafters' convention, and keep the stages passed in PATH/"+progressDir)
	fs.BoolVar(&o.watch, "watch", false, "with -dir: test again whenever a file under it changes; on a terminal, keys h (hint), n (next stage), r (rerun), q (quit)")
	fs.StringVar(&o.cmd, "cmd", "", "test the server started by this shell `command`")
	fs.StringVar(&o.addr, "addr", "", "test a server already running at `host:port`")
	fs.StringVar(&o.files, "directory", "", "with -addr: the directory that server serves files from (stage 4 on)")
	fs.Int64Var(&o.seed, "seed", 0, "seed for the random payloads; a failed run prints the seed that reproduces it")
	fs.BoolVar(&o.strict, "strict", false, "also run the strict checks: malformed, oversized and incomplete requests")
	fs.BoolVar(&o.api, "api", false, "also run the API middleware checks of stage 5 on (CORS, rate limit, bearer tokens, error handlers): each starts the server again with the flags card 5 names")
	fs.BoolVar(&o.pedantic, "pedantic", false, "make warnings failures: the SHOULDs of the RFCs and the cards' choices, as the reference behaves")
	fs.BoolVar(&o.list, "list", false, "list the checks of -stage N (or of every stage) with what they require, and exit")
	fs.BoolVar(&o.verbose, "v", false, "show the raw bytes of every exchange")
	fs.BoolVar(&o.json, "json", false, "print a JSON report on standard output; progress goes to standard error")
	fs.StringVar(&o.name, "name", "", "with -json: the student's `name`, which the class report shows instead of the file's")
	fs.StringVar(&runPattern, "run", "", "run only the checks whose slug matches this `regexp`")
	fs.DurationVar(&o.wait, "wait", 15*time.Second, "how long to wait for the server to accept connections")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Second, "how long one read may wait for the server")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./tester [-stage N | -codecrafters] [-dir PATH | -cmd COMMAND | -addr HOST:PORT] [flags]\n\n")
		fmt.Fprintf(stderr, "With no -stage, every stage's checks run against that stage's reference solution;\nwith -dir, the first stage that repository has not passed runs.\n\nFlags:\n")
		fs.PrintDefaults()
		printSubcommands(stderr)
	}
	if err := fs.Parse(args); err != nil {
		return &o, errUsage
	}
	if fs.NArg() > 0 {
		return &o, fmt.Errorf("unexpected argument %q (flags go before it?)", fs.Arg(0))
	}
	return &o, o.validate(runPattern)
}

func (o *options) validate(runPattern string) error {
	targets := 0
	for _, s := range []string{o.dir, o.cmd, o.addr} {
		if s != "" {
			targets++
		}
	}
	all, err := stages.All()
	if err != nil {
		return err
	}
	if err := o.validateTrack(); err != nil {
		return err
	}
	if err := o.validateAPI(); err != nil {
		return err
	}
	switch {
	case targets > 1:
		return errors.New("choose one of -dir, -cmd and -addr")
	case o.stage < 0 || o.stage > len(all):
		return fmt.Errorf("-stage %d: stages run from 1 to %d", o.stage, len(all))
	case o.stage == 0 && !o.ccTrack && (o.cmd != "" || o.addr != "" || o.ref != 0):
		return errors.New("-cmd, -addr and -ref test one stage: add -stage N (with -dir, the tester picks the first stage not passed)")
	case o.watch && o.dir == "":
		return errors.New("-watch tests again when a file under -dir changes: add -dir DIR")
	case o.watch && o.json:
		return errors.New("-watch is for a terminal and -json for CI: choose one")
	case o.ref < 0 || o.ref > len(all):
		return fmt.Errorf("-ref %d: stages run from 1 to %d", o.ref, len(all))
	case o.ref != 0 && targets > 0:
		return errors.New("-ref picks a reference solution; it does not combine with -dir, -cmd or -addr")
	case o.addr != "" && o.stage >= 4 && o.files == "":
		return errors.New("-addr from stage 4 on needs -directory: the directory that server serves files from, where the tester puts its files")
	case o.timeout <= 0 || o.wait <= 0:
		return errors.New("-timeout and -wait must be positive")
	}
	if o.stage == 0 && o.dir != "" && !o.ccTrack {
		if err := o.pickStage(all); err != nil {
			return err
		}
	}
	if runPattern != "" {
		re, err := regexp.Compile(runPattern)
		if err != nil {
			return fmt.Errorf("-run: %w", err)
		}
		o.run = re
		if err := o.checkRunSelects(len(all)); err != nil {
			return err
		}
	}
	if err := o.validateAPIAddr(); err != nil {
		return err
	}
	if o.seed == 0 {
		o.seed = time.Now().UnixNano() % 1_000_000
	}
	return nil
}

// compiledAt is this file's path when it was compiled, which locates the
// workbook's source for "go run ./tester" from any directory.
func compiledAt() string {
	_, file, _, _ := runtime.Caller(0)
	return file
}

// checkRunSelects refuses a -run pattern that names no check: running only
// the bind check and calling it a pass would tell the learner nothing.
func (o *options) checkRunSelects(stageCount int) error {
	if o.ccTrack {
		return trackRunSelects(o.run)
	}
	first, last, strict := o.stage, o.stage, o.strict
	if o.stage == 0 {
		first, last, strict = 1, stageCount, true
	}
	var slugs []string
	for n := first; n <= last; n++ {
		if selects(o.planned(n, strict), o.run) {
			return nil
		}
	}
	checks, where := o.planned(last, strict), fmt.Sprintf("stage %d", last)
	if o.stage == 0 {
		checks, where = registry, "any stage"
	}
	var always []string
	for _, c := range checks {
		if c.always {
			always = append(always, c.slug) // runs whatever -run says
		} else {
			slugs = append(slugs, c.slug)
		}
	}
	msg := fmt.Sprintf("-run %q matches no check of %s; the slugs are: %s", o.run, where, strings.Join(slugs, ", "))
	if len(always) > 0 {
		msg += fmt.Sprintf(" (%s always runs, and -run does not select it)", strings.Join(always, ", "))
	}
	switch {
	case !strict && selects(checksFor(last, true), o.run):
		msg += " (it matches a strict check: add -strict)"
	case !o.api && selects(apiChecks(last), o.run):
		msg += " (it matches an API check: add -api)"
	}
	return errors.New(msg)
}

// listChecks prints the checks of the selected stage, or of every stage:
// slug, name, where the card says what each requires, and whether it needs
// -strict.
func listChecks(w io.Writer, o *options) int {
	if o.ccTrack {
		return listTrack(w)
	}
	all, err := stages.All()
	if err != nil {
		fmt.Fprintf(w, "tester: %v\n", err)
		return 2
	}
	for _, st := range all {
		if o.stage != 0 && st.Number != o.stage {
			continue
		}
		checks := append(checksFor(st.Number, true), apiChecks(st.Number)...)
		fmt.Fprintf(w, "stage %d: %s (%d checks)\n", st.Number, st.Title, len(checks))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  slug\tstage\tdescribed in\trequires")
		for _, c := range checks {
			name := c.name
			if c.strict {
				name += " (-strict)"
			}
			if c.api {
				name += " (-api)"
			}
			card, _, _ := strings.Cut(c.read, " ")
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", c.slug, c.stage, card, name)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	return 0
}
