package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"httpworkbook/stages"
)

// lockedBuffer is what a watch session writes to while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestWatchSessionKeysAndSaves drives a watch session as a learner does:
// a failing stage 1, h for a hint, n refused, a save that makes it pass,
// n on to stage 2, r to run it again, q. The servers are the test binary's broken and
// fixture commands, on PATH for every test (see TestMain).
func TestWatchSessionKeysAndSaves(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the repository's scripts need a Unix shell")
	}
	all, err := stages.All()
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), mode))
		later := time.Now().Add(time.Minute) // a save the poll cannot miss
		require.NoError(t, os.Chtimes(p, later, later))
	}
	write("your_program.sh", "#!/bin/sh\nexec sh app/main.sh \"$@\"\n", 0o755)
	write("app/main.sh", "exec broken echo-whole-buffer \"$@\"\n", 0o644)

	o := options{dir: dir, seed: 1, wait: 15 * time.Second, timeout: 3 * time.Second, watch: true}
	require.NoError(t, o.pickStage(all))
	out := &lockedBuffer{}
	keys := make(chan byte)
	ws := &watchSession{o: o, all: all, rep: &reporter{w: out}, keys: keys, interval: 20 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ws.loop(ctx) }()

	seen := 0 // how much of the output the expectations have passed
	expect := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			if i := strings.Index(out.String()[seen:], want); i >= 0 {
				seen += i + len(want)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q within a minute; the session printed:\n%s", want, out.String())
			}
		}
	}
	press := func(k byte) {
		t.Helper()
		select {
		case keys <- k:
		case <-time.After(time.Minute):
			t.Fatalf("the session did not read the key %q; it printed:\n%s", k, out.String())
		}
	}

	expect("[tester] stage 1, the first one " + dir + " has not passed")
	expect("✗ echoes a short line")
	expect("[watch] waiting for a change under " + dir + ". Keys: h hint, r rerun, q quit")
	press('h')
	expect(`Hint 1 of 3 for stage 1's check "echoes a short line" (echo-line):`)
	press('n')
	expect("[watch] stage 1 has not passed yet: n moves on once it does")

	write("app/main.sh", "exec fixture echo \"$@\"\n", 0o644)
	expect("[watch] app/main.sh changed: testing again")
	expect("✓ all 6 checks passed")
	expect("Stage 1 passed: A TCP echo server.")
	expect("stage01_echo/")
	expect("[watch] stage 1 passed. Keys: n on to stage 2, r rerun, q quit; or save to test stage 1 again")
	press('n')
	expect("[watch] n: on to stage 2, Parse HTTP/1.1 requests")
	expect("✗ GET / answers 200 OK")
	expect("Keys: h hint, r rerun, q quit")
	press('r')
	expect("[watch] r: testing again")
	expect("✗ GET / answers 200 OK")
	expect("Keys: h hint, r rerun, q quit")
	press('q')
	select {
	case err := <-done:
		require.NoError(t, err, "q ends the session")
	case <-time.After(time.Minute):
		t.Fatalf("q did not end the session; it printed:\n%s", out.String())
	}
	assert.Equal(t, 1, strings.Count(out.String(), "has not passed (-stage N tests another)"),
		"the stage the progress file chose is announced once: the session then keeps it until n")

	p, err := loadProgress(dir)
	require.NoError(t, err)
	_, passed := p.passed(all[0])
	assert.True(t, passed, "stage 1's pass is recorded")
	slug, _ := p.lastFailure(all[1])
	assert.Equal(t, "root-200", slug, "stage 2's failure is recorded")
	_, hints := p.lastFailure(all[0])
	assert.Zero(t, hints, "the pass cleared stage 1's hints")
}
