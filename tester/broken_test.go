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

// brokenServers are servers each wrong in one way a learner's first attempt
// often is. Every tester check is proven by one of them: a script starts it
// with "-cmd 'broken NAME'" and asserts the check fails with a clear message.
var brokenServers = map[string]func(ln net.Listener){
	// Stage 1.
	"exits-at-start":    nil, // handled before listening
	"never-binds":       nil, // handled before listening
	"echo-whole-buffer": serveEach(echoWholeBuffer),
	"echo-read-once":    serveEach(echoReadOnce),
	"echo-first-1024":   serveEach(echoFirst1024),
	"one-at-a-time":     serveOneAtATime,
	"never-closes":      serveEach(echoNeverCloses),
}

// brokenHeaderTimeout is the --header-timeout the broken server was
// started with, 10 s without one as in the reference.
var brokenHeaderTimeout = 10 * time.Second

// brokenMain is the "broken NAME" command of the test scripts.
func brokenMain() int {
	if len(os.Args) < 2 || !knownBroken(os.Args[1]) {
		fmt.Fprintf(os.Stderr, "usage: broken NAME, one of %s\n", strings.Join(brokenNames(), ", "))
		return 2
	}
	name := os.Args[1]
	for i, arg := range os.Args {
		if (arg == "--directory" || arg == "-directory") && i+1 < len(os.Args) {
			filesDir = os.Args[i+1]
		}
		if arg == "--header-timeout" && i+1 < len(os.Args) {
			if d, err := time.ParseDuration(os.Args[i+1]); err == nil {
				brokenHeaderTimeout = d
			}
		}
	}
	switch name {
	case "exits-at-start":
		fmt.Fprintln(os.Stderr, "error: cannot read config.toml")
		return 3
	case "never-binds":
		fmt.Fprintln(os.Stderr, "starting up...")
		time.Sleep(time.Minute)
		return 0
	}
	ln, err := net.Listen("tcp", "localhost:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s listening on %s\n", name, ln.Addr())
	brokenServers[name](ln)
	return 0
}

func knownBroken(name string) bool { _, ok := brokenServers[name]; return ok }

func brokenNames() []string {
	var names []string
	for n := range brokenServers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// serveEach serves every connection on its own goroutine with handle, the
// part that is broken.
func serveEach(handle func(net.Conn)) func(net.Listener) {
	return func(ln net.Listener) {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}
}

// serveOneAtATime is a correct echo that forgot the goroutine.
func serveOneAtATime(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}
}

// echoWholeBuffer writes the whole buffer back instead of the bytes read.
func echoWholeBuffer(c net.Conn) {
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
		c.Write(buf)
	}
}

// echoReadOnce answers the first read only, then waits for the client to
// go: one message per connection.
func echoReadOnce(c net.Conn) {
	buf := make([]byte, 1024)
	n, _ := c.Read(buf)
	c.Write(buf[:n])
	io.Copy(io.Discard, c)
}

// echoFirst1024 reads each message with one 1 KiB read, as many first
// servers do, and drops whatever did not fit.
func echoFirst1024(c net.Conn) {
	buf := make([]byte, 1024)
	n, _ := io.ReadFull(c, buf)
	c.Write(buf[:n])
	io.Copy(io.Discard, c)
}

// echoNeverCloses echoes correctly but ignores end of stream, leaving the
// connection open for ever.
func echoNeverCloses(c net.Conn) {
	io.Copy(c, c)
	time.Sleep(time.Minute)
}
