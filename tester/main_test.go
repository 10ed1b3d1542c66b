package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary double as the tester and as every broken
// server, so that scripts run them as real processes talking real TCP.
func TestMain(m *testing.M) {
	if name := filepath.Base(os.Args[0]); name != "tester" && name != "broken" && name != "fixture" {
		// The scripts spend their time waiting on sockets, not computing:
		// run more of them at once than -parallel's default of GOMAXPROCS,
		// unless the caller chose a number.
		flag.Parse()
		chosen := false
		flag.Visit(func(f *flag.Flag) { chosen = chosen || f.Name == "test.parallel" })
		if !chosen {
			flag.Set("test.parallel", "4")
		}
	}
	os.Exit(testscript.RunMain(m, map[string]func() int{
		"tester":  func() int { return runMain(os.Args[1:], os.Stdout, os.Stderr) },
		"broken":  brokenMain,
		"fixture": fixtureMain,
	}))
}

// TestScripts runs tester/testdata/script/*.txtar: the reference solutions
// pass, and each check rejects a server broken in the way it targets, with
// the message a learner would read.
func TestScripts(t *testing.T) {
	env := goEnv(t)
	testscript.Run(t, testscript.Params{
		Dir:       "testdata/script",
		Cmds:      scriptCmds,
		Condition: scriptCondition,
		Setup: func(e *testscript.Env) error {
			// The tester builds reference solutions with the go command,
			// which needs its caches; a script's sandbox has no HOME.
			for k, v := range env {
				e.Setenv(k, v)
			}
			e.Setenv("NO_COLOR", "1")
			return nil
		},
	})
}

// scriptCondition answers the scripts' own conditions: [procfs], a /proc
// from which the tester reads a server's memory.
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "procfs":
		_, err := os.Stat("/proc/self/statm")
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// goEnv returns the go command's cache locations, read once.
func goEnv(t *testing.T) map[string]string {
	t.Helper()
	keys := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN"}
	out, err := exec.Command("go", append([]string{"env"}, keys...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	vals := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	env := map[string]string{}
	for i, k := range keys {
		if i < len(vals) {
			env[k] = vals[i]
		}
	}
	return env
}
