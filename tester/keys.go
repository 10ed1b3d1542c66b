package main

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// This file reads watch mode's keys from the terminal with the standard
// library only. A key should act when it is pressed, without Enter, which
// needs the terminal out of its line mode: stty, on every Unix, does that
// for the terminal on its standard input. Where there is no stty (Windows
// without Git Bash), keys are read line by line and act after Enter.

// keysByLine is how to type a key when the terminal stays in line mode.
const keysByLine = "type it, then Enter"

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// openKeys reads keys from in when it is a terminal, and returns them,
// how to type one ("" when a key acts at once), and restore, which puts
// the terminal back as it was. restore may be called more than once, and
// must be called on every way out; Ctrl-C still interrupts, since only
// line editing and echo are turned off, not signals.
func openKeys(in *os.File) (keys <-chan byte, how string, restore func()) {
	if in == nil || !isTerminal(in) {
		return nil, "", func() {}
	}
	restore, how = func() {}, keysByLine
	if saved, err := stty(in, "-g"); err == nil {
		if _, err := stty(in, "-icanon", "-echo", "min", "1", "time", "0"); err == nil {
			var once sync.Once
			restore = func() { once.Do(func() { stty(in, strings.TrimSpace(saved)) }) }
			how = ""
		}
	}
	ch := make(chan byte)
	go readKeys(in, ch)
	return ch, how, restore
}

// stty runs stty with args on the terminal in, and returns what it printed.
func stty(in *os.File, args ...string) (string, error) {
	cmd := exec.Command("stty", args...)
	cmd.Stdin = in
	out, err := cmd.Output()
	return string(out), err
}

// readKeys sends each byte read from in as a key, but line ends and
// spaces, and closes keys at the end of input.
func readKeys(in io.Reader, keys chan<- byte) {
	defer close(keys)
	buf := make([]byte, 64)
	for {
		n, err := in.Read(buf)
		for _, b := range buf[:n] {
			if b != '\n' && b != '\r' && b != ' ' {
				keys <- b
			}
		}
		if err != nil {
			return
		}
	}
}
