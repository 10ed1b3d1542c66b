package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"time"
)

// fixtureLifetime bounds every fixture server: should the tester ever fail
// to stop one, it still ends by itself, so no test leaves it running.
const fixtureLifetime = time.Minute

// fixtures are the "fixture NAME [ARGS]" command of the test scripts:
// servers that are right at HTTP or echo but awkward as processes, and
// helpers that watch processes and ports from the script.
var fixtures = map[string]func(args []string) int{
	"echo": func([]string) int { return serveEcho(listenPort(os.Getenv("PORT"))) },
}

// fixtureMain is the "fixture" command of the test scripts.
func fixtureMain() int {
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
