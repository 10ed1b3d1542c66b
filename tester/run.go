package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	result := &report{Seed: o.seed, Strict: o.strict, Passed: true}
	rep.line("[tester]", "seed %d", o.seed)

	if o.stage != 0 {
		st, err := runStage(ctx, o, rep, all[o.stage-1], o.strict)
		if st != nil {
			result.Stages = append(result.Stages, *st)
			result.Passed = st.Passed
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
		st, err := runStage(ctx, o, rep, stage, true)
		if err != nil {
			return result, err
		}
		result.Stages = append(result.Stages, *st)
		result.Passed = result.Passed && st.Passed
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
	if o.ref != 0 && o.stage != 0 {
		if st, err := stages.Get(o.ref); err == nil {
			return st
		}
	}
	return stage
}

// runStage starts the server for one stage, runs the checks that apply in
// order, and stops at the first failure. The server is always stopped.
func runStage(ctx context.Context, o *options, rep *reporter, stage stages.Stage, strict bool) (*stageResult, error) {
	prefix := fmt.Sprintf("[stage-%d]", stage.Number)
	res := &stageResult{Stage: stage.Number, Title: stage.Title, Target: o.target(stage)}
	rep.line(prefix, "%s: testing %s", stage.Title, res.Target)
	started := time.Now()

	tmp, err := os.MkdirTemp("", "httpworkbook-tester-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	files := o.files
	if files == "" {
		files = filepath.Join(tmp, "files")
		if err := os.Mkdir(files, 0o755); err != nil {
			return res, err
		}
	}

	t := &T{ctx: ctx, addr: o.addr, files: files, rep: rep, timeout: o.timeout}
	var srv *server
	var port string
	var probe4221 bool
	if o.addr == "" {
		spec, err := serverCommand(ctx, o, rep, stage, tmp)
		if err != nil {
			return res, err
		}
		// From stage 4 on, servers serve files from --directory, as in
		// CodeCrafters. An earlier stage's reference (with -ref) has no
		// such flag and would refuse to start, hiding the checks' verdict.
		if stage.Number >= 4 && (o.dir != "" || o.cmd != "" || refStage(o, stage).Number >= 4) {
			spec.argv = append(spec.argv, "--directory", files)
		}
		if port, err = freePort(); err != nil {
			return res, err
		}
		probe4221 = spec.learner
		srv, err = startServer(rep, spec, port)
		if err != nil {
			return res, err
		}
		defer srv.stop()
		t.server = srv
	}

	checks := checksFor(stage.Number, strict)
	res.Passed = true
	for _, c := range checks {
		if ctx.Err() != nil {
			res.Passed = false
			break
		}
		if o.run != nil && c.slug != bindSlug && !o.run.MatchString(c.slug) {
			continue
		}
		t.prefix = fmt.Sprintf("[stage-%d]", c.stage)
		t.rng = newRand(o.seed, c.slug)
		t.repro = nil
		began := time.Now()
		var err error
		if c.slug == bindSlug {
			err = t.waitForServer(port, o.wait, probe4221)
		} else {
			err = c.run(t)
		}
		cr := checkResult{Stage: c.stage, Slug: c.slug, Name: c.name, Passed: err == nil, Millis: time.Since(began).Milliseconds(), Reproduce: t.repro}
		if err != nil && ctx.Err() != nil {
			// Interrupted: the check did not fail, it was stopped.
			res.Passed = false
			break
		}
		if err != nil {
			f := asFailure(err)
			if f.Hint == "" {
				f.Hint = t.serverHint()
			}
			cr.Failure = f
			printFailure(rep, t.prefix, c, f, t.repro)
			res.Checks = append(res.Checks, cr)
			res.Passed = false
			break
		}
		rep.line(t.prefix, "%s %s", rep.paint(green, "✓"), c.name)
		printRepro(rep, t.prefix, t.repro)
		res.Checks = append(res.Checks, cr)
	}
	res.elapsed = time.Since(started)
	if srv != nil {
		// Stop now rather than on return, so the server's last lines are
		// printed before the verdict, not after it.
		srv.stop()
		checks = srv.afterRun(rep, prefix, stage.Number, res, checks)
	}
	if res.Passed {
		rep.line(prefix, "%s all %d checks passed in %v", rep.paint(green, "✓"), len(res.Checks), res.elapsed.Round(time.Millisecond))
	} else if ctx.Err() == nil {
		last := res.Checks[len(res.Checks)-1]
		rep.line(prefix, "%s %d of %d checks passed; rerun this one with: go run ./tester %s -seed %d -run '^%s$'",
			rep.paint(red, "✗"), len(res.Checks)-1, len(checks), o.rerunFlags(stage), o.seed, last.Slug)
	}
	return res, nil
}

// rerunFlags repeats the flags that chose the stage and the server.
func (o *options) rerunFlags(stage stages.Stage) string {
	flags := []string{fmt.Sprintf("-stage %d", stage.Number)}
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

// waitForServer is the "binds to the port" step: it waits for the server
// the tester started, or checks that the one at -addr answers.
func (t *T) waitForServer(port string, wait time.Duration, probe4221 bool) error {
	if t.server == nil {
		deadline := time.Now().Add(wait)
		for !reachable(t.addr) {
			if time.Now().After(deadline) {
				return &failure{Summary: fmt.Sprintf("nothing accepts connections at %s (waited %v)", t.addr, wait), Hint: "start your server first, or let the tester start it with -dir or -cmd"}
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	}
	addr, err := t.server.waitListening(t.ctx, port, wait, probe4221)
	if err != nil {
		return err
	}
	t.addr = addr
	return nil
}

// asFailure makes any error a failure to print.
func asFailure(err error) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	return &failure{Summary: err.Error()}
}

// printFailure explains a failed check: the summary, the exchange with every
// \r\n visible, where expected and received first differ, and what to read.
func printFailure(rep *reporter, prefix string, c check, f *failure, repro []string) {
	rep.line(prefix, "%s %s", rep.paint(red, "✗"), c.name)
	printRepro(rep, prefix, repro)
	rep.line(prefix, "  %s", f.Summary)
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
	if c.read != "" {
		rep.line(prefix, "  read: %s", c.read)
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// printRepro prints the commands that repeat a check's requests by hand.
func printRepro(rep *reporter, prefix string, repro []string) {
	for _, cmd := range repro {
		rep.line(prefix, "  $ %s", cmd)
	}
}
