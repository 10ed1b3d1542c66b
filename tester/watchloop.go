package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"httpworkbook/stages"
)

// This file is watch mode's loop, as rustlings' watch runs it: test the
// stage, wait for a save or a key, test again. A save during a run stops
// the run (and its server) and starts another, so that the verdict on the
// screen is always that of the code on disk.

// watchInterval is how often watch mode looks for a save: quick enough to
// feel immediate, slow enough that a repository of a few hundred files
// costs nothing.
const watchInterval = 300 * time.Millisecond

// clearScreen moves the cursor home and clears the terminal, so that each
// run starts on a clean screen, as rustlings and cargo-watch do.
const clearScreen = "\x1b[H\x1b[2J"

// A watchAction is what the loop does next.
type watchAction int

const (
	watchRun  watchAction = iota // test the stage (again)
	watchIdle                    // wait for a save or a key
	watchQuit
)

// watchSession is one -watch: the stage being tested, which changes when
// the learner presses n, and where keys come from.
type watchSession struct {
	o        options // a copy, whose stage is the one being watched
	all      []stages.Stage
	rep      *reporter
	keys     <-chan byte // nil without a terminal
	keysHow  string      // "" for single keys, else how to type one
	clear    bool        // clear the screen before each run
	interval time.Duration
	passed   bool // the stage's last run passed, so n may move on
}

// watchMain is -watch: it runs the session with the terminal's keys and
// returns the exit status, 130 after Ctrl-C as a run's, 0 after q.
func watchMain(ctx context.Context, o *options, rep *reporter, stderr io.Writer) int {
	all, err := stages.All()
	if err != nil {
		fmt.Fprintf(stderr, "tester: %v\n", err)
		return 2
	}
	keys, how, restore := openKeys(os.Stdin)
	defer restore()
	ws := &watchSession{o: *o, all: all, rep: rep, keys: keys, keysHow: how, interval: watchInterval}
	if f, ok := rep.w.(*os.File); ok {
		ws.clear = isTerminal(f) && os.Getenv("TERM") != "dumb"
	}
	err = ws.loop(ctx)
	restore()
	code, _ := stoppedStatus(ctx, err, stderr)
	return code
}

// loop tests the stage, then waits, until q, Ctrl-C or an error of the
// file watch (a directory too large to poll).
func (ws *watchSession) loop(ctx context.Context) error {
	act, why := watchRun, ""
	var since treeStamp
	for ctx.Err() == nil {
		var err error
		switch act {
		case watchQuit:
			return nil
		case watchRun:
			if since, err = stampTree(ws.o.dir); err != nil {
				return err
			}
			ws.start(why)
			act, why, err = ws.runOnce(ctx, since)
		case watchIdle:
			act, why, err = ws.idle(ctx, since)
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// start clears the screen and says why this run happens; why is "" for
// the first run, which leaves what came before it (init's output, say) on
// the screen.
func (ws *watchSession) start(why string) {
	if why == "" {
		return
	}
	ws.rep.write(func(w io.Writer) {
		if ws.clear {
			io.WriteString(w, clearScreen)
		}
	})
	ws.rep.line("[watch]", "%s", why)
}

// A watchChange is a save seen by the file watch, or why it stopped.
type watchChange struct {
	name string
	err  error
}

// watchFiles reports the first change under the directory since the
// stamps, until ctx is done.
func (ws *watchSession) watchFiles(ctx context.Context, since treeStamp) <-chan watchChange {
	ch := make(chan watchChange, 1)
	go func() {
		_, name, err := waitForChange(ctx, ws.o.dir, since, ws.interval)
		if ctx.Err() == nil {
			ch <- watchChange{name, err}
		}
	}()
	return ch
}

// runOnce tests the stage once. A save or r stops the run and starts
// another, q stops it and quits; the run stops its server either way
// before this returns.
func (ws *watchSession) runOnce(ctx context.Context, since treeStamp) (watchAction, string, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	o := ws.o
	ws.o.autoStage = false // the session keeps this stage until n
	ws.passed = false
	done := make(chan bool, 1)
	go func() {
		res, err := run(runCtx, &o, ws.rep)
		if err != nil && runCtx.Err() == nil {
			ws.rep.line("[watch]", "%v", err)
		}
		done <- err == nil && res != nil && res.Passed
	}()
	changes := ws.watchFiles(runCtx, since)
	for {
		select {
		case passed := <-done:
			ws.passed = passed && runCtx.Err() == nil
			return watchIdle, "", nil
		case c := <-changes:
			cancel()
			<-done
			return watchRun, c.name + " changed during the run: testing again", c.err
		case k, ok := <-ws.keys:
			if act, why, ends := ws.onKey(k, ok, false); ends {
				cancel()
				<-done
				return act, why, nil
			}
		}
	}
}

// idle waits after a run for a save, which tests the stage again, or a
// key.
func (ws *watchSession) idle(ctx context.Context, since treeStamp) (watchAction, string, error) {
	ws.prompt()
	idleCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	changes := ws.watchFiles(idleCtx, since)
	for {
		select {
		case <-ctx.Done():
			return watchQuit, "", nil
		case c := <-changes:
			return watchRun, c.name + " changed: testing again", c.err
		case k, ok := <-ws.keys:
			if act, why, ends := ws.onKey(k, ok, true); ends {
				return act, why, nil
			}
		}
	}
}

// onKey acts on a key read (ok is false at the end of input): q and r end
// the wait, as does n once the stage has passed, and idle (n during a run
// only says to wait); any other key acts in place and the wait goes on.
func (ws *watchSession) onKey(k byte, ok, idle bool) (act watchAction, why string, ends bool) {
	switch {
	case !ok:
		ws.keys = nil
	case k == 'q':
		return watchQuit, "", true
	case k == 'r':
		return watchRun, "r: testing again", true
	case k == 'n' && idle:
		if ws.moveOn() {
			st := ws.all[ws.o.stage-1]
			return watchRun, fmt.Sprintf("n: on to stage %d, %s (go run ./tester card %d says what to build)", st.Number, st.Title, st.Number), true
		}
	default:
		ws.key(k)
	}
	return 0, "", false
}

// prompt says what the session waits for.
func (ws *watchSession) prompt() {
	st := ws.all[ws.o.stage-1]
	saves := fmt.Sprintf("waiting for a change under %s", ws.o.dir)
	switch {
	case ws.keys == nil:
		ws.rep.line("[watch]", "%s to test stage %d again (Ctrl-C stops)", saves, st.Number)
	case ws.passed && st.Number < len(ws.all):
		ws.rep.line("[watch]", "stage %d passed. Keys%s: n on to stage %d, r rerun, q quit; or save to test stage %d again", st.Number, ws.howToType(), st.Number+1, st.Number)
	default:
		ws.rep.line("[watch]", "%s. Keys%s: h hint, r rerun, q quit", saves, ws.howToType())
	}
}

func (ws *watchSession) howToType() string {
	if ws.keysHow == "" {
		return ""
	}
	return " (" + ws.keysHow + ")"
}

// key acts on a key that neither stops nor starts a run.
func (ws *watchSession) key(k byte) {
	switch k {
	case 'h':
		ws.rep.write(func(w io.Writer) {
			fmt.Fprintln(w)
			if err := showHint(w, terminalFor(w), ws.o.dir, ws.all, false); err != nil && !errors.Is(err, errNoMoreHints) {
				fmt.Fprintf(w, "[watch] %v\n", err)
			}
		})
	case 'n':
		ws.rep.line("[watch]", "stage %d has not passed yet: n moves on once it does", ws.o.stage)
	default:
		ws.rep.line("[watch]", "keys%s: h hint, n next stage (once this one passes), r rerun, q quit", ws.howToType())
	}
}

// moveOn goes to the next stage once the watched one has passed, and
// says why not otherwise.
func (ws *watchSession) moveOn() bool {
	switch {
	case !ws.passed:
		ws.key('n')
		return false
	case ws.o.stage == len(ws.all):
		ws.rep.write(func(w io.Writer) {
			fmt.Fprintln(w)
			printCourseDone(w, ws.all[len(ws.all)-1], ws.o.dir, true)
		})
		return false
	}
	ws.o.stage++
	ws.passed = false
	return true
}
