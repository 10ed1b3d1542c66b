package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckScript(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("scripts run through sh on Windows, without #! or execute bits")
	}
	tests := []struct {
		name, text string
		mode       os.FileMode
		want       string // a part of the error, or "" for none
	}{
		{"fine", "#!/bin/sh\nexec ./server \"$@\"\n", 0o755, ""},
		{"env", "#!/usr/bin/env bash\nexec ./server\n", 0o755, ""},
		{"crlf first line", "#!/bin/sh\r\nexec ./server\r\n", 0o755, `its first line reads "#!/bin/sh\r", with a CR at the end`},
		{"crlf later line", "#!/bin/sh\nexec ./server\r\n", 0o755, "the shell reads each line's CR as part of its last word"},
		{"bom", "\xef\xbb\xbf#!/bin/sh\nexec ./server\n", 0o755, "byte order mark"},
		{"no shebang", "exec ./server\n", 0o755, `has no #! line, so the kernel cannot tell what runs it and says "exec format error"`},
		{"empty file", "", 0o755, "has no #! line"},
		{"empty shebang", "#!\nexec ./server\n", 0o755, "has an empty #! line"},
		{"missing interpreter", "#!/nonexistent/python3\nprint(1)\n", 0o755, "use  #!/usr/bin/env python3  to find it on PATH"},
		{"not executable", "#!/bin/sh\nexec ./server\n", 0o644, "is not executable: run  chmod +x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := filepath.Join(t.TempDir(), "your_program.sh")
			require.NoError(t, os.WriteFile(script, []byte(tt.text), tt.mode))
			fi, err := os.Stat(script)
			require.NoError(t, err)
			err = checkScript(script, fi)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSplitPlain(t *testing.T) {
	tests := []struct {
		command string
		words   []string // nil: only a shell can run it
	}{
		{"python3 app.py", []string{"python3", "app.py"}},
		{"  ./server   --port=4221 ", []string{"./server", "--port=4221"}},
		{"node app/main.js", []string{"node", "app/main.js"}},
		{"cd app && python3 main.py", nil},
		{"python3 'my app.py'", nil},
		{"PORT=1 ./server", nil},
		{"exec ./server", nil},
		{"./server > log", nil},
		{"./server $FLAGS", nil},
		{"python3 *.py", nil},
		{"./a | ./b", nil},
		{"./server\n./other", nil},
		{"", nil},
	}
	for _, tt := range tests {
		words, plain := splitPlain(tt.command)
		assert.Equal(t, tt.words != nil, plain, "%q", tt.command)
		assert.Equal(t, tt.words, words, "%q", tt.command)
	}
}
