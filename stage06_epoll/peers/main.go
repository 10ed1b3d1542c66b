// Command peers runs one of the servers that chapter 6 measures stage 6
// against, so that anyone can repeat the comparison: fasthttp, gnet with a
// canned answer, or Go's net/http. Each answers GET /echo/hello as the
// stages do (200, Content-Type: text/plain, a Content-Length, the path's
// last segment as the body) and listens on the port in $PORT, or 4221:
//
//	PORT=4660 go run . fasthttp
//
// It lives in a module of its own so that the workbook's module, which
// the learners download, gains no dependency. bench.sh builds it and runs
// the comparison; README.md explains the figures.
package main

import (
	"fmt"
	"log"
	"os"
)

// servers maps the name given on the command line to the function that
// serves on an address until the process ends.
var servers = map[string]func(addr string) error{
	"fasthttp": serveFasthttp,
	"gnet":     serveGnet,
	"nethttp":  serveNetHTTP,
}

func main() {
	if len(os.Args) != 2 || servers[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: peers fasthttp|gnet|nethttp (the port comes from $PORT, or 4221)")
		os.Exit(2)
	}
	name, addr := os.Args[1], listenAddr()
	log.SetPrefix("peers " + name + ": ")
	log.Printf("listening on %s", addr)
	if err := servers[name](addr); err != nil {
		log.Fatal(err)
	}
}

// listenAddr honours the PORT environment variable, as the stages do, and
// falls back to 4221, the port CodeCrafters uses.
func listenAddr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":4221"
}
