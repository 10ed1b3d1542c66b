package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"httpworkbook/stages"
)

// pendingReferenceFixes are the checks a later stage's reference does not
// pass yet, each with the reason. TestReferencesPedantic runs every other
// check with -pedantic, and requires each of these to pass on its own
// stage and still fail on the stage named, so that the list is shortened
// the day that reference is fixed; TestReproduceLines runs their lines
// against their own stage's reference instead.
//
// Every reference passes every check of its stage today, so the list is
// empty until a check lands before the reference that is to pass it.
var pendingReferenceFixes = map[string]pendingFix{}

// pendingAt returns the checks pending a fix of stage n's reference.
func pendingAt(n int) []string {
	var slugs []string
	for slug, fix := range pendingReferenceFixes {
		if fix.stage == n {
			slugs = append(slugs, slug)
		}
	}
	sort.Strings(slugs)
	return slugs
}

// pendingFix is a check a reference does not pass yet: the stage whose
// reference is run against it, and why it fails.
type pendingFix struct {
	stage int
	why   string
}

// TestReferencesPedantic is "go run ./tester -pedantic": every stage's
// reference passes every check of its stage, the strict ones included, with
// warnings made failures, since the references are what -pedantic holds a
// learner's server to.
func TestReferencesPedantic(t *testing.T) {
	t.Parallel()
	var except []string
	for slug := range pendingReferenceFixes {
		except = append(except, slug)
	}
	var slugs []string
	for _, c := range registry {
		if !c.always && !contains(except, c.slug) {
			slugs = append(slugs, regexp.QuoteMeta(c.slug))
		}
	}
	code, rep := runTester(t, "-pedantic", "-timeout", "10s", "-run", "^("+strings.Join(slugs, "|")+")$")
	assert.Equal(t, 0, code)
	assert.True(t, rep.Passed)
	all, err := stages.All()
	require.NoError(t, err)
	assert.Len(t, rep.Stages, len(all), "every stage ran")

	for slug, fix := range pendingReferenceFixes {
		code, _ := runTester(t, "-stage", fmt.Sprint(fix.stage), "-strict", "-pedantic", "-run", "^"+slug+"$")
		assert.Equal(t, 1, code, "%s passes with -pedantic now: remove it from pendingReferenceFixes (%s)", slug, fix.why)
		if c, _ := findCheck(slug); c.stage < fix.stage {
			code, _ := runTester(t, "-stage", fmt.Sprint(c.stage), "-strict", "-pedantic", "-run", "^"+slug+"$")
			assert.Equal(t, 0, code, "%s fails on its own stage's reference", slug)
		}
	}
}

// TestReproduceLines runs every command the tester prints to reproduce a
// check, as printed, against the reference solutions it passes: each must
// exit 0 and, when it sends one request, get one of the statuses the check
// accepts. Stage 6's reference also answers the checks of stages 2 to 5, so
// stages 1, 4 and 6 (5 where there is no epoll) print them all; the
// CodeCrafters track prints its own, against stage 5's reference.
func TestReproduceLines(t *testing.T) {
	t.Parallel()
	requireTools(t, "sh", "curl", "nc", "gunzip")
	last := 6
	if runtime.GOOS != "linux" {
		last = 5
	}
	type reproRun struct {
		name  string
		ref   int // the reference solution to run against
		flags []string
	}
	runs := []reproRun{{"codecrafters", trackReference, []string{"-codecrafters"}}}
	for _, n := range []int{1, 4, last} {
		flags := []string{"-stage", fmt.Sprint(n), "-strict"}
		// The checks stage n's reference does not pass yet print their
		// lines against their own stage's reference.
		if pending := pendingAt(n); len(pending) > 0 {
			flags = append(flags, "-run", onlySlugs(n, pending...))
			own, _ := findCheck(pending[0])
			runs = append(runs, reproRun{fmt.Sprint("stage", own.stage, "-pending"), own.stage,
				[]string{"-stage", fmt.Sprint(own.stage), "-strict", "-run", "^(" + strings.Join(pending, "|") + ")$"}})
		}
		runs = append(runs, reproRun{fmt.Sprint("stage", n), n, flags})
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ref := startReference(t, r.ref)
			args := append(r.flags, "-addr", ref.addr, "-directory", ref.dir, "-seed", "1", "-timeout", "10s")
			o, err := parseFlags(args, io.Discard)
			require.NoError(t, err)
			result, err := run(context.Background(), o, &reporter{w: io.Discard})
			require.NoError(t, err)
			require.True(t, result.Passed, "the reference passes its stage")
			for _, c := range result.Stages[0].Checks {
				// A check's lines run in order against a fresh server, as a
				// learner would type them: the ids they name depend on it.
				ref.restart()
				for _, l := range c.repro {
					runLine(t, ref.dir, l)
				}
			}
		})
	}
}

// requireTools skips the test when a tool the reproduce lines run is not
// installed, or fails it when requireToolchainsEnv is set.
func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv(requireToolchainsEnv) == "1" {
				t.Fatalf("%s is not installed: the reproduce lines need it, and %s=1 requires it", tool, requireToolchainsEnv)
			}
			t.Skipf("%s is not installed: the reproduce lines need it", tool)
		}
	}
}

// refServer is a reference solution the test started, on a port it keeps
// across restarts so that the printed lines keep their address.
type refServer struct {
	t        *testing.T
	bin, dir string
	args     []string
	port     string
	addr     string
	cmd      *exec.Cmd
}

// startReference builds and starts a stage's reference solution on a free
// port, with a directory to serve from stage 4 on, until the test ends.
func startReference(t *testing.T, n int) *refServer {
	st, err := stages.Get(n)
	require.NoError(t, err)
	root, err := moduleRoot(compiledAt())
	require.NoError(t, err)
	bin, err := buildReference(context.Background(), root, st.Dir, t.TempDir())
	require.NoError(t, err)
	port, err := freePort()
	require.NoError(t, err)
	ref := &refServer{t: t, bin: bin, dir: servedDir(t), port: port, addr: net.JoinHostPort("127.0.0.1", port)}
	raiseFileLimit() // idle-memory's lines hold 2,000 connections to it
	if n >= 4 {
		ref.args = []string{"--directory", ref.dir}
	}
	ref.restart()
	t.Cleanup(ref.stop)
	return ref
}

// restart stops the server, if it runs, and starts it afresh.
func (r *refServer) restart() {
	r.stop()
	r.cmd = exec.Command(r.bin, r.args...)
	r.cmd.Env = append(os.Environ(), "PORT="+r.port)
	require.NoError(r.t, r.cmd.Start())
	deadline := time.Now().Add(15 * time.Second)
	for !reachable(r.addr) {
		require.True(r.t, time.Now().Before(deadline), "%s never listened on %s", r.bin, r.addr)
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *refServer) stop() {
	if r.cmd != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// statusLineRe finds the status lines in curl's or nc's output, curl -v's
// included, and after curl's progress meter on the same line.
var statusLineRe = regexp.MustCompile(`HTTP/1\.[01] (\d{3}) `)

// runLine runs one printed line as a shell would and checks it: it exits
// 0 and, when it sends one request, gets a status the check accepts. Long
// payloads are generated in the line, never pasted.
func runLine(t *testing.T, dir string, l reproLine) {
	assert.Less(t, len(l.cmd), 400, "a pasted payload: %.120s", l.cmd)
	// The tools a line may use that are not on every machine, where
	// curl, nc and sh are.
	for _, tool := range []string{"wrk", "python3", "lsof"} {
		if !regexp.MustCompile(`(^|[|;&] *)` + tool + ` |\$\(` + tool + ` `).MatchString(l.cmd) {
			continue
		}
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("skipped, %s is not installed: %s", tool, l.cmd)
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", l.cmd)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if !assert.NoError(t, err, "%s\n%s", l.cmd, out) || len(l.statuses) == 0 {
		return
	}
	assert.Contains(t, l.statuses, finalStatus(out), "%s\nanswered:\n%.2000s", l.cmd, out)
}

// finalStatus is the code of the first status line that is not 1xx.
func finalStatus(out []byte) int {
	for _, m := range statusLineRe.FindAllSubmatch(out, -1) {
		if code, _ := strconv.Atoi(string(m[1])); code >= 200 {
			return code
		}
	}
	return 0
}
