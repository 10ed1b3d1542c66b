package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMemoryChecksWithAddr: a server the tester did not start cannot be
// measured, since the tester cannot tell which processes are the server.
// Both of stage 6's memory checks then say so, as warnings, rather than
// pass as though they had seen the memory; the rest of each check still
// runs.
func TestMemoryChecksWithAddr(t *testing.T) {
	t.Parallel()
	dir := servedDir(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo/{word}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.PathValue("word"))
	})
	mux.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(http.Dir(dir))))
	addr := serveHTTP(t, mux)

	code, rep := runTester(t, "-stage", "6", "-addr", addr, "-directory", dir, "-run", "^(idle-memory|pipelined-slow-reader)$", "-timeout", "10s")
	assert.Equal(t, 0, code, "warnings do not fail the run")
	warned := strings.Join(rep.warnings(), "\n")
	assert.Contains(t, warned, "idle-memory: the server held 2,000 idle connections, but their memory was not measured: cannot measure the server's memory: the tester did not start it (-addr)")
	assert.Contains(t, warned, "pipelined-slow-reader: the answers came whole and in order, but the server's memory was not measured")

	code, _ = runTester(t, "-stage", "6", "-addr", addr, "-directory", dir, "-run", "^idle-memory$", "-pedantic", "-timeout", "10s")
	assert.Equal(t, 1, code, "under -pedantic, a lesson not proven fails")
}
