package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRemoveOrphanRunDirs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the tester removes no run directory where it cannot ask whether a process runs")
	}
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	root := t.TempDir()
	dirs := []struct {
		name  string
		owner string // "" for no owner file
		kept  bool
	}{
		{"httpworkbook-tester-live", strconv.Itoa(os.Getpid()), true},
		{"httpworkbook-tester-orphan", strconv.Itoa(gone.Process.Pid), false},
		{"httpworkbook-tester-unowned", "", true},
		{"httpworkbook-tester-garbled", "not a pid", true},
		{"someone-else", strconv.Itoa(gone.Process.Pid), true},
	}
	for _, d := range dirs {
		dir := filepath.Join(root, d.name)
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "files"), 0o755))
		if d.owner != "" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, runDirOwner), []byte(d.owner+"\n"), 0o644))
		}
	}
	removeOrphanRunDirs(root)
	for _, d := range dirs {
		_, err := os.Stat(filepath.Join(root, d.name))
		assert.Equal(t, d.kept, err == nil, "%s kept", d.name)
	}
}
