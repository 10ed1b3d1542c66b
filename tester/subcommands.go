package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
)

// A subcommand is a word after "go run ./tester" that does something other
// than run checks, as "codecrafters test" and "rustlings watch" do. Plain
// "go run ./tester [flags]" still runs the checks.
type subcommand struct {
	name    string
	args    string // what follows the name, for the list
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// subcommands are listed by "go run ./tester help" in this order: the
// learner's first step, the learner's daily ones, then the instructor's.
// It is filled in init, since help reads it.
var subcommands []subcommand

func init() {
	subcommands = []subcommand{
		{"init", "-lang LANG DIR", "write a starter repository in LANG", runInit},
		{"status", "-dir DIR", "the stages DIR has passed, and the one to do next", runStatus},
		{"hint", "-dir DIR", "a hint for the check that failed last in DIR", runHint},
		{"card", "[-dir DIR] [N]", "stage N's card: what to build, and every check", runCard},
		{"report", "[-o FILE] REPORTS…", "merge a class's -json reports into one table", runClassReport},
		{"help", "", "this list", runHelp},
	}
}

// findSubcommand returns the subcommand args start with, if any. A first
// argument that is a flag, or no argument, is the check run.
func findSubcommand(args []string) (subcommand, bool) {
	if len(args) == 0 {
		return subcommand{}, false
	}
	for _, s := range subcommands {
		if s.name == args[0] {
			return s, true
		}
	}
	return subcommand{}, false
}

// printSubcommands lists the subcommands, for help and for the tester's
// own usage message.
func printSubcommands(w io.Writer) {
	fmt.Fprintf(w, "\nSubcommands (go run ./tester NAME -h for each one's flags):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, s := range subcommands {
		fmt.Fprintf(tw, "  %s %s\t%s\n", s.name, s.args, s.summary)
	}
	tw.Flush()
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "Usage: go run ./tester [-stage N] [-dir PATH | -cmd COMMAND | -addr HOST:PORT] [flags]\n")
	fmt.Fprintf(stdout, "       go run ./tester NAME [arguments]\n\n")
	fmt.Fprintf(stdout, "The first form runs the checks (go run ./tester -h lists its flags).\n")
	printSubcommands(stdout)
	return 0
}

// subcommandFlags is the flag set of "tester NAME": its errors go to
// stderr, and its usage is usage's text followed by the flags.
func subcommandFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	flags := flag.NewFlagSet("tester "+name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintf(stderr, "%s\nFlags:\n", usage)
		flags.PrintDefaults()
	}
	return flags
}

// repoArgument parses the arguments of a subcommand about one learner's
// repository, named by -dir or as the only argument ("status ~/http"),
// and returns it; ok is false once a usage message is printed.
func repoArgument(name string, flags *flag.FlagSet, args []string, stderr io.Writer) (dir string, ok bool) {
	dirFlag := flags.String("dir", "", "the learner's repository, where the tester keeps its progress in "+filepath.Join(progressDir, progressFile))
	rest, err := parseInterspersed(flags, args)
	if err != nil {
		return "", false
	}
	dir = *dirFlag
	if dir == "" && len(rest) == 1 {
		dir, rest = rest[0], nil
	}
	if dir == "" || len(rest) > 0 {
		fmt.Fprintf(stderr, "tester %s: name your repository with -dir, as in: go run ./tester %s -dir ~/http-server\n", name, name)
		return "", false
	}
	return dir, true
}
