package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStampTreeSeesSavesOnly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, at time.Time) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		require.NoError(t, os.Chtimes(p, at, at))
	}
	t0 := time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
	write("app/main.py", "print(1)\n", t0)
	write("your_program.sh", "exec python3 -u app/main.py\n", t0)
	before, err := stampTree(dir)
	require.NoError(t, err)
	assert.Len(t, before, 2)

	for _, name := range []string{".git/index", ".httpworkbook/progress.json", "build/server", "target/debug/server",
		"app/__pycache__/main.cpython-311.pyc", "node_modules/x/index.js", "Cargo.lock", "app/.main.py.swp", "app/main.py~", "app/.#main.py"} {
		write(name, "noise", t0.Add(time.Hour))
	}
	after, err := stampTree(dir)
	require.NoError(t, err)
	_, changed := before.changed(after)
	assert.False(t, changed, "what builds, git and editors write reruns nothing")

	write("app/main.py", "print(2)\n", t0.Add(time.Minute))
	after, err = stampTree(dir)
	require.NoError(t, err)
	name, changed := before.changed(after)
	assert.True(t, changed)
	assert.Equal(t, "app/main.py", name, "a save is seen, even of the same size")

	require.NoError(t, os.Remove(filepath.Join(dir, "your_program.sh")))
	now, err := stampTree(dir)
	require.NoError(t, err)
	name, _ = after.changed(now)
	assert.Equal(t, "your_program.sh", name, "so is a removal")
}

func TestWaitForChangeReturnsOnASave(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	require.NoError(t, os.WriteFile(file, []byte("package main\n"), 0o644))
	since, err := stampTree(dir)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		later := time.Now().Add(time.Minute)
		os.WriteFile(file, []byte("package main // edited\n"), 0o644)
		os.Chtimes(file, later, later)
	}()
	_, name, err := waitForChange(ctx, dir, since, 5*time.Millisecond)
	require.NoError(t, err, "no change seen within the deadline")
	assert.Equal(t, "main.go", name)

	stopped, stop := context.WithCancel(context.Background())
	stop()
	_, _, err = waitForChange(stopped, dir, since, time.Hour)
	assert.ErrorIs(t, err, context.Canceled, "a cancelled wait returns at once")
}
