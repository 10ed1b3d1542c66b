package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"httpworkbook/stages"
)

// run tests one stage, or every stage against its own reference solution.
func run(ctx context.Context, o *options, rep *reporter) (*report, error) {
	all, err := stages.All()
	if err != nil {
		return nil, err
	}
	result := &report{Schema: reportSchema, Name: o.name, Seed: o.seed, Strict: o.strict, Pedantic: o.pedantic, Passed: true}
	rep.line("[tester]", "seed %d", o.seed)

	if o.ccTrack {
		return runTrack(ctx, o, rep, result)
	}
	if o.stage != 0 {
		stage := all[o.stage-1]
		announceStage(rep, o, stage)
		st, err := runStage(ctx, o, rep, stage, o.strict)
		if st != nil {
			result.add(*st)
		}
		if err == nil {
			recordRun(rep, o, all, stage, st)
		}
		return result, err
	}

	// Every stage against its own reference: the instructor's view, with
	// every check, the strict ones included, since each reference promises
	// to pass them.
	root, err := moduleRoot(compiledAt())
	if err != nil {
		return nil, err
	}
	for _, stage := range all {
		if ctx.Err() != nil {
			break
		}
		if _, err := os.Stat(filepath.Join(root, stage.Dir)); err != nil {
			result.Stages = append(result.Stages, stageResult{Stage: stage.Number, Title: stage.Title, Skipped: stage.Dir + " is not written yet"})
			continue
		}
		if o.run != nil && !selects(o.planned(stage.Number, true), o.run) {
			continue // -run names none of this stage's checks
		}
		st, err := runStage(ctx, o, rep, stage, true)
		if err != nil {
			return result, err
		}
		result.add(*st)
	}
	rep.summary(result)
	return result, nil
}

// target describes, for the report, what is being tested.
func (o *options) target(stage stages.Stage) string {
	switch {
	case o.addr != "":
		return "the server at " + o.addr
	case o.dir != "":
		return dirScript(o.dir)
	case o.cmd != "":
		return o.cmd
	}
	return refStage(o, stage).Dir + " (reference solution)"
}

// refStage is the stage whose reference solution is tested: the selected
// stage's own, or the one -ref names.
func refStage(o *options, stage stages.Stage) stages.Stage {
	if o.ref != 0 && (o.stage != 0 || o.ccTrack) {
		if st, err := stages.Get(o.ref); err == nil {
			return st
		}
	}
	return stage
}

// runStage starts the server for one stage, runs the checks planned for it
// in order, and stops at the first failure. The server is always stopped.
func runStage(ctx context.Context, o *options, rep *reporter, stage stages.Stage, strict bool) (*stageResult, error) {
	prefix := fmt.Sprintf("[stage-%d]", stage.Number)
	if o.ccTrack {
		prefix = trackPrefix
	}
	res := &stageResult{Stage: stage.Number, Title: stage.Title, Target: o.target(stage)}
	rep.line(prefix, "%s: testing %s", stage.Title, res.Target)
	started := time.Now()

	plan := planChecks(stage.Number, strict, o)
	for _, c := range plan {
		res.Planned = append(res.Planned, c.slug)
	}
	env, err := startStage(ctx, o, rep, stage)
	if err != nil {
		return res, err
	}
	defer env.close()
	// Stop the server as soon as the run is cancelled (Ctrl-C, or a save in
	// watch mode): a check waiting on it then sees the connection close at
	// once rather than at the end of its timeout.
	defer context.AfterFunc(ctx, env.stopServer)()

	t := &T{ctx: ctx, addr: o.addr, files: env.files, rep: rep, timeout: o.timeout, pedantic: o.pedantic, listen: env.listen, server: env.srv}
	if o.dir != "" || o.cmd != "" || o.addr != "" {
		t.regressed = stage.Number
	}
	runChecks(t, plan, o.seed, res)
	res.elapsed = time.Since(started)
	// Stop now rather than on return, so the server's last lines are
	// printed before the verdict, not after it.
	env.stopServer()
	env.srv.afterRun(rep, prefix, stage.Number, res)
	res.tally()
	printVerdict(rep, prefix, o, stage, res)
	return res, nil
}

// planChecks returns the checks a stage's run will try, in order: those
// that apply, narrowed by -run, with the ones every other check needs.
func planChecks(stage int, strict bool, o *options) []check {
	var plan []check
	checks := o.planned(stage, strict)
	if o.ccTrack {
		checks = trackChecks()
	}
	for _, c := range checks {
		if o.run == nil || c.always || o.run.MatchString(c.slug) {
			plan = append(plan, c)
		}
	}
	return plan
}

// selects reports whether re names at least one of checks, not counting
// those that run anyway. The leftover check, made after every run that
// started a server, counts too: -run '^nothing-left-running$' repeats it
// after the bind check alone.
func selects(checks []check, re *regexp.Regexp) bool {
	if re.MatchString(leftoverSlug) {
		return true
	}
	for _, c := range checks {
		if !c.always && re.MatchString(c.slug) {
			return true
		}
	}
	return false
}

// stageEnv is what one stage's run needs around its checks: a scratch
// directory, the directory the server serves files from, and the server
// itself when the tester started it.
type stageEnv struct {
	tmp    string
	files  string
	srv    *server
	listen listenPlan
}

// startStage prepares the directories and, unless -addr names a running
// server, starts the server under test.
func startStage(ctx context.Context, o *options, rep *reporter, stage stages.Stage) (*stageEnv, error) {
	tmp, err := makeRunDir()
	if err != nil {
		return nil, err
	}
	env := &stageEnv{tmp: tmp, files: o.files, listen: listenPlan{wait: o.wait}}
	if env.files == "" {
		env.files = filepath.Join(tmp, "files")
		if err := os.Mkdir(env.files, 0o755); err != nil {
			env.close()
			return nil, err
		}
	}
	if o.addr == "" {
		if err := env.startServer(ctx, o, rep, stage); err != nil {
			env.close()
			return nil, err
		}
	}
	return env, nil
}

// startServer starts the server under test on a free port, given in PORT.
func (env *stageEnv) startServer(ctx context.Context, o *options, rep *reporter, stage stages.Stage) error {
	spec, err := serverCommand(ctx, o, rep, stage, env.tmp)
	if err != nil {
		return err
	}
	// From stage 4 on, servers serve files from --directory, as in
	// CodeCrafters. An earlier stage's reference (with -ref) has no such
	// flag and would refuse to start, hiding the checks' verdict.
	if stage.Number >= 4 && (o.dir != "" || o.cmd != "" || refStage(o, stage).Number >= 4) {
		spec.argv = append(spec.argv, "--directory", env.files)
	}
	// From stage 6 on, a short header timeout, which pipelined-slow-reader
	// must outwait; stage 1's reference takes no flags.
	if stage.Number >= headerTimeoutStage && (o.dir != "" || o.cmd != "" || refStage(o, stage).Number >= 2) {
		spec.argv = append(spec.argv, "--header-timeout", testHeaderTimeout.String())
	}
	if env.listen.port, err = freePort(); err != nil {
		return err
	}
	env.listen.probe4221 = spec.learner
	env.srv, err = startServer(rep, spec, env.listen.port)
	return err
}

// stopServer stops the server, if the tester started one; it is safe to
// call more than once.
func (env *stageEnv) stopServer() {
	if env.srv != nil {
		env.srv.stop()
	}
}

// close stops the server and removes the scratch directory.
func (env *stageEnv) close() {
	env.stopServer()
	os.RemoveAll(env.tmp)
}

// runChecks runs the plan in order, recording each result in res, and
// stops at the first failure or when the run is interrupted.
func runChecks(t *T, plan []check, seed int64, res *stageResult) {
	for _, c := range plan {
		if t.ctx.Err() != nil {
			res.Interrupted = true
			return
		}
		cr := runCheck(t, c, seed)
		if cr.Failure != nil && t.ctx.Err() != nil {
			// Interrupted: the check did not fail, it was stopped.
			res.Interrupted = true
			return
		}
		res.Checks = append(res.Checks, cr)
		if cr.Failure != nil {
			return
		}
	}
}

// fallbackHint is the hint of a failure that no step explained, so that
// every failure tells the learner where to go next.
const fallbackHint = "run the command above by hand and compare the answer with the card's Tests section"

// runCheck runs one check, prints its result and returns it.
func runCheck(t *T, c check, seed int64) checkResult {
	t.begin(c, seed)
	began := time.Now()
	err := c.run(t)
	cr := checkResult{Stage: c.stage, Slug: c.slug, Name: c.name, Passed: err == nil,
		Millis: time.Since(began).Milliseconds(), Warnings: t.warnings, Measured: t.measured, repro: t.repro}
	for _, r := range t.repro {
		cr.Reproduce = append(cr.Reproduce, r.cmd)
	}
	switch {
	case err == nil:
		printPass(t.rep, t.prefix, c, t.warnings, t.repro, t.measured)
	case t.ctx.Err() == nil:
		f := asFailure(err)
		if f.Hint == "" {
			f.Hint = t.serverHint()
		}
		if f.Hint == "" {
			f.Hint = fallbackHint
		}
		if c.stage > 0 && c.stage < t.regressed {
			noteRegression(f, c.stage, t.regressed)
		}
		cr.Failure = f
		printFailure(t.rep, t.prefix, c, f, t.repro, t.warnings)
	default:
		cr.Failure = asFailure(err)
	}
	return cr
}

// printVerdict prints a stage's last line: how many checks passed, warned,
// failed and did not run, and how to rerun the one that failed.
func printVerdict(rep *reporter, prefix string, o *options, stage stages.Stage, res *stageResult) {
	n := res.Counts
	switch {
	case res.Interrupted:
		rep.line(prefix, "interrupted after %d of %d checks", len(res.Checks), len(res.Planned))
	case res.Passed:
		warned := ""
		if n.Warned > 0 {
			warned = fmt.Sprintf(", %d with warnings (-pedantic makes them failures)", n.Warned)
		}
		rep.line(prefix, "%s all %d checks passed in %v%s", rep.paint(green, "✓"), n.Passed, res.elapsed.Round(time.Millisecond), warned)
	default:
		last := res.Checks[len(res.Checks)-1]
		rep.line(prefix, "%s %s; rerun this one with: go run ./tester %s -seed %d -run '^%s$'",
			rep.paint(red, "✗"), n.String(), o.rerunFlags(stage), o.seed, last.Slug)
	}
}

// rerunFlags repeats the flags that chose the stage and the server.
func (o *options) rerunFlags(stage stages.Stage) string {
	flags := []string{fmt.Sprintf("-stage %d", stage.Number)}
	if o.ccTrack {
		flags = []string{"-codecrafters"}
	}
	switch {
	case o.dir != "":
		flags = append(flags, "-dir "+shellQuote(o.dir))
	case o.cmd != "":
		flags = append(flags, "-cmd "+shellQuote(o.cmd))
	case o.addr != "":
		flags = append(flags, "-addr "+o.addr)
	case o.ref != 0:
		flags = append(flags, fmt.Sprintf("-ref %d", o.ref))
	}
	if o.strict {
		flags = append(flags, "-strict")
	}
	if o.api {
		flags = append(flags, "-api")
	}
	if o.pedantic {
		flags = append(flags, "-pedantic")
	}
	return strings.Join(flags, " ")
}

// serverCommand says how to start the server under test.
func serverCommand(ctx context.Context, o *options, rep *reporter, stage stages.Stage, tmp string) (launchSpec, error) {
	switch {
	case o.dir != "":
		return dirCommand(rep, o.dir)
	case o.cmd != "":
		return cmdCommand(o.cmd)
	}
	ref := refStage(o, stage)
	root, err := moduleRoot(compiledAt())
	if err != nil {
		return launchSpec{}, err
	}
	bin, err := buildReference(ctx, root, ref.Dir, tmp)
	if err != nil {
		return launchSpec{}, err
	}
	return launchSpec{argv: []string{bin}, prefix: "[" + ref.Dir + "]"}, nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
