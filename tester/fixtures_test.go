package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// fixtureLifetime bounds every fixture server: should the tester ever fail
// to stop one, it still ends by itself, so no test leaves it running.
const fixtureLifetime = time.Minute

// fixtures are the "fixture NAME [ARGS]" command of the test scripts:
// servers that are right at HTTP or echo but awkward as processes, and
// helpers that watch processes and ports from the script.
var fixtures = map[string]func(args []string) int{
	"echo":          func([]string) int { return serveEcho(listenPort(os.Getenv("PORT"))) },
	"echo-fallback": func([]string) int { return serveEcho(listenPort(fallbackPort())) },
	"echo-on":       func(args []string) int { return serveEcho(listenPort(args[0])) },
	"buffered":      fixtureBuffered,
	"buffered-exit": fixtureBufferedExit,
	"probe-crash":   fixtureProbeCrash,
	"hostile":       fixtureHostile,
	"hang":          fixtureHang,
	"wait-file":     fixtureWaitFile,
	"wait-grep":     fixtureWaitGrep,
	"wait-port":     fixtureWaitPort,
}

// fixtureMain is the "fixture" command of the test scripts.
func fixtureMain() int {
	for name, f := range unixFixtures {
		fixtures[name] = f
	}
	if len(os.Args) < 2 || fixtures[os.Args[1]] == nil {
		var names []string
		for n := range fixtures {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: fixture NAME, one of %s\n", strings.Join(names, ", "))
		return 2
	}
	go func() {
		time.Sleep(fixtureLifetime)
		os.Exit(9)
	}()
	return fixtures[os.Args[1]](os.Args[2:])
}

// listenPort listens on localhost:port, or exits saying why it cannot.
func listenPort(port string) net.Listener {
	ln, err := net.Listen("tcp", "localhost:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return ln
}

// serveEcho is a correct stage-1 server: it echoes each connection until
// end of stream, then closes.
func serveEcho(ln net.Listener) int {
	for {
		c, err := ln.Accept()
		if err != nil {
			return 1
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}

// fixtureBuffered writes its startup line through a buffer it never
// flushes, as C's printf does when standard output is a pipe.
func fixtureBuffered([]string) int {
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "Logs from your program will appear here!")
	return serveEcho(listenPort(os.Getenv("PORT")))
}

// fixtureBufferedExit prints through a buffer, then exits without flushing
// it, as a C program that calls _exit does.
func fixtureBufferedExit([]string) int {
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "cannot start: config.toml is missing")
	return 1
}

// fixtureProbeCrash takes every connection to carry a request, and crashes
// on one that closes without a byte, as a health check's does.
func fixtureProbeCrash([]string) int {
	ln := listenPort(os.Getenv("PORT"))
	for {
		c, err := ln.Accept()
		if err != nil {
			return 1
		}
		buf := make([]byte, 1024)
		if n, _ := c.Read(buf); n == 0 {
			fmt.Fprintln(os.Stderr, "Traceback (most recent call last):")
			fmt.Fprintln(os.Stderr, "IndexError: list index out of range")
			return 1
		}
		c.Close()
	}
}

// fixtureHostile prints what no terminal should receive raw (a title
// change, a screen clear), then a 2 MiB line, then more lines, and serves.
func fixtureHostile([]string) int {
	fmt.Print("\x1b]0;TITLE\x07retitled\n")
	fmt.Print("\x1b[2Jcleared\n")
	fmt.Print(strings.Repeat("a", 2<<20) + "\n")
	fmt.Print("after the long line\n")
	fmt.Fprint(os.Stderr, "on stderr too\n")
	return serveEcho(listenPort(os.Getenv("PORT")))
}

// fixtureHang listens, writes its pid to the file args[0] names, and
// accepts connections without ever answering, so a check waits on it.
func fixtureHang(args []string) int {
	ln := listenPort(os.Getenv("PORT"))
	if err := os.WriteFile(args[0], []byte(fmt.Sprint(os.Getpid())), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		if _, err := ln.Accept(); err != nil {
			return 1
		}
	}
}

// fixtureWaitFile waits until the file args[0] exists, for at most
// args[1].
func fixtureWaitFile(args []string) int {
	return pollUntil(args[1], "file "+args[0], func() bool {
		_, err := os.Stat(args[0])
		return err == nil
	})
}

// fixtureWaitGrep waits until the file args[0] matches the regular
// expression args[1], for at most args[2]: a state that a background
// tester writes, such as its progress file after a run.
func fixtureWaitGrep(args []string) int {
	re, err := regexp.Compile(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return pollUntil(args[2], fmt.Sprintf("match for %q in %s", args[1], args[0]), func() bool {
		b, err := os.ReadFile(args[0])
		return err == nil && re.Match(b)
	})
}

// fixtureWaitPort waits until something accepts connections on the port
// args[0], for at most args[1].
func fixtureWaitPort(args []string) int {
	return pollUntil(args[1], "a listener on port "+args[0], func() bool {
		return reachable("localhost:" + args[0])
	})
}

// pollUntil polls ok until it holds or the duration within has passed.
func pollUntil(within, what string, ok func() bool) int {
	d, err := time.ParseDuration(within)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for deadline := time.Now().Add(d); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "no %s within %v\n", what, d)
			return 1
		}
	}
	return 0
}

// scriptCmds are commands the scripts run inside the script engine itself,
// for what changes the script's own environment.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// freeport VAR sets VAR to a port nothing listens on, for a test that
	// needs a fixed port of its own, such as the 4221 fallback's.
	"freeport": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: freeport VAR")
		}
		port, err := freePort()
		ts.Check(err)
		ts.Setenv(args[0], port)
	},
}
