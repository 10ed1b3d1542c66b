//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

// Command stage06_epoll is the server of stage 5 on a hand-written event
// loop. Up to now every connection cost a goroutine, blocked in Read until
// its client sent something, and its buffers. Here the sockets are
// non-blocking, and one loop per CPU asks the kernel
// (epoll on Linux, kqueue on macOS and the BSDs) which of its thousands of
// sockets are ready, serves exactly those, and asks again: the answer to
// the C10K problem that nginx, Redis and Node share.
//
// What the runtime did for us, the loop now does itself: it keeps each
// connection's unparsed input and unsent output in buffers (a read may
// bring half a request or three, a write may take part of a response),
// runs the request parser only when a request may be complete, and keeps
// the timers. The parser reads the loop's buffer instead of a bufio.Reader;
// its grammar, the responses and the handlers are unchanged.
//
// Handlers run on the loop, one request at a time: while one runs, no
// other connection of that loop is served. That is what makes a loop fast
// (no goroutine, no lock, no context switch per request) and it is also
// its price: a handler must never block. A slow computation, a disk read
// (files are not pollable, so epoll cannot help) or a call to another
// server stalls every connection of the loop. Servers built this way hand
// such work to a pool of threads and resume the connection when it is
// done, as nginx does for disk I/O. This server's file routes read and
// write the disk on the loop, which is quick while files sit in the page
// cache and stalls the loop's connections when they do not; gzip spends
// CPU on the loop too.
//
// The files split the lesson: poller.go is the interface to the kernel,
// poller_epoll.go and poller_kqueue.go implement it, socket.go opens the
// sockets, loop.go runs the loop, closing.go ends its connections, conn.go
// serves one connection, incremental.go runs the parser over the bytes in
// the loop's buffer, reuse.go recycles what a request needs, bodies.go
// keeps the bodies a handler asks for, stream.go sends a Feed, such as the
// event stream of events.go, from the loop, and looplog.go keeps each
// loop's log, which replaces the access-log middleware. The parser
// (request.go, chunked.go, host_expect.go, errors.go) is the previous
// stage's, reading that buffer; body.go keeps only BodyReader, since the
// loop takes bodies itself; the router and the JSON, file and users routes
// are those of the previous stage, and response.go and handlers.go differ
// only by the reply a Request carries (textReply), which the loop reuses.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	addr := flag.String("addr", listenAddr(), "address to listen on (host:port)")
	var cfg config
	flag.DurationVar(&cfg.idleTimeout, "idle-timeout", 30*time.Second, "close a connection that has not started a new request for this long")
	flag.DurationVar(&cfg.headerTimeout, "header-timeout", 10*time.Second, "time a client has to send a request's header section once it has started")
	matcherName := flag.String("router", "radix", "how routes are matched: radix (a radix tree) or regex (a list of regular expressions)")
	directory := flag.String("directory", "", "the directory that GET and POST /files/ read and write; without it they answer 404")
	flag.IntVar(&users.max, "max-users", defaultMaxUsers, "most users the store holds; a POST /users past it is answered 507")
	var api apiFlags
	api.define()
	flag.DurationVar(&events.heartbeat, "heartbeat", defaultHeartbeat, "how often GET /events sends a comment to every subscriber, to keep quiet connections open")
	flag.IntVar(&events.max, "max-subscribers", defaultMaxSubscribers, "most GET /events streams at once; more are answered 503")
	flag.IntVar(&cfg.loops, "loops", runtime.NumCPU(), "number of event loops, each on its own thread and listening socket")
	flag.IntVar(&cfg.maxConns, "max-conns", 10000, "most connections open at once; more are answered 503 and closed")
	flag.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM or Ctrl-C, how long the answers already started may take before the server closes their connections")
	flag.Parse()
	if cfg.loops < 1 || cfg.maxConns < 1 || events.max < 1 || cfg.idleTimeout <= 0 || cfg.headerTimeout <= 0 || cfg.shutdownTimeout < 0 || events.heartbeat <= 0 {
		fmt.Fprintln(os.Stderr, "-loops, -max-conns and -max-subscribers must be at least 1, and the timeouts and -heartbeat positive")
		os.Exit(2)
	}

	log.SetPrefix(logPrefix)
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	warnFileLimit(cfg.maxConns)

	// The routes were registered before main started; the matcher that holds
	// them is chosen now, and so is the directory the file routes serve.
	if err := app.SetMatcher(*matcherName); err != nil {
		log.Fatal(err)
	}
	var err error
	if filesRoot, err = openDir(*directory); err != nil {
		log.Fatalf("--directory: %v", err)
	}
	corsMW, limit, err := api.middleware()
	if err != nil {
		log.Fatal(err)
	}

	// The first middleware is the outermost: recoverer turns a panic in
	// gzip or a handler into a 500, and gzip, innermost, compresses what
	// the handlers return. The access log is no longer middleware: each
	// loop writes its own (see looplog.go), with the 500s and bytes sent.
	// CORS comes before the rate limit, so that a 429 still tells the
	// browser that its page may read it; without flags both add nothing.
	app.Use(recoverer, corsMW, limit, gzipMiddleware)
	cfg.handler = app.Handler()
	cfg.needsBody, cfg.readsBody, cfg.log = app.TakesJSON, app.RoutesContent, log.Writer()
	logSetup(*matcherName)

	ctx := shutdownOnSignal()

	if err := run(ctx, *addr, cfg); err != nil {
		log.Fatal(err)
	}
}

// listenAddr honours the PORT environment variable, as the tester sets it, and
// falls back to 4221, the port CodeCrafters uses.
func listenAddr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":4221"
}

// shutdownOnSignal returns a context that the first SIGTERM or Ctrl-C
// cancels, which starts the graceful shutdown. A second one ends the
// process at once, without waiting for slow clients, with the status a
// shell gives a process that signal killed (130 for Ctrl-C, 143 for
// SIGTERM). The channel holds two signals, so a second that comes before
// the first has been handled is not lost.
func shutdownOnSignal() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		cancel()
		sig := <-signals
		log.Printf("%v again: exiting at once", sig)
		os.Exit(128 + int(sig.(syscall.Signal)))
	}()
	return ctx
}

// logSetup prints what the server serves: its routes, the radix tree when
// that matcher holds them, and the directory of the file routes, so that
// what a request can reach is on the screen before the first one comes.
func logSetup(matcherName string) {
	log.Printf("routes (%s router):", matcherName)
	app.WriteRoutes(log.Writer())
	if t, ok := app.m.(*tree); ok {
		log.Printf("radix tree:")
		t.dump(log.Writer())
	}
	if filesRoot == nil {
		log.Printf("no --directory: /files/ answers 404")
	} else {
		log.Printf("files in %s", filesRoot.Name())
	}
}

// apiFlags are the flags of the API middleware, each off until it is
// given, so that a server started without them answers as the card's
// routes alone do.
type apiFlags struct {
	corsOrigins originList
	rate        float64
	burst       int
	tokenFile   string
	problemJSON bool
}

// define registers the API middleware's flags.
func (a *apiFlags) define() {
	flag.Var(&a.corsOrigins, "cors-origin", "let pages from this `ORIGIN`, scheme://host[:port], call the API from a browser (CORS); repeat it for more")
	flag.Float64Var(&a.rate, "rate", 0, "requests a second one client address may make on average, more answered 429; 0 turns rate limiting off")
	flag.IntVar(&a.burst, "burst", 0, "requests one client address may make at once, before -rate holds it back; 0 means -rate rounded up")
	flag.StringVar(&a.tokenFile, "token-file", "", "require Authorization: Bearer with a token of this `FILE`, one a line, to create, change or delete users")
	flag.BoolVar(&a.problemJSON, "problem-details", false, "answer every error as RFC 9457 problem details, application/problem+json, through error handlers")
}

// middleware loads what the flags name (the tokens, the problem details'
// error handlers) and returns the CORS and rate-limit middleware, which
// pass every request through untouched when their flags are not given.
func (a *apiFlags) middleware() (corsMW, limit Middleware, err error) {
	if limit, err = rateLimit(a.rate, a.burst); err != nil {
		return nil, nil, err
	}
	if err := tokens.load(a.tokenFile); err != nil {
		return nil, nil, fmt.Errorf("-token-file: %w", err)
	}
	if a.problemJSON {
		useProblemDetails(app)
	}
	return cors(a.corsOrigins), limit, nil
}

// config holds the settings that main reads from flags. Tests build their
// own, with short timeouts, and pass it down to every loop.
type config struct {
	// idleTimeout bounds the wait for the first byte of the next request,
	// and also the time to read a body, and the time a client may go
	// without reading while an answer waits for it.
	idleTimeout time.Duration
	// headerTimeout bounds the time from the first byte of a request to the
	// empty line that ends its header section.
	headerTimeout time.Duration
	// loops is the number of event loops. One per CPU keeps every core
	// busy without two loops taking turns on one.
	loops int
	// maxConns bounds the connections open at once, across all loops. An
	// idle connection costs little here, but each holds a file
	// descriptor, and some kernel memory for its socket buffers.
	maxConns int
	// shutdownTimeout bounds a graceful shutdown: the answers already
	// started get this long to finish. The default, 10 s, is what a
	// container runtime waits between its SIGTERM and its SIGKILL.
	shutdownTimeout time.Duration
	// handler answers every request: the router with its middleware.
	handler Handler
	// needsBody reports whether a request's handler needs its body whole,
	// in Body, as the JSON routes' do; readsBody whether its handler may
	// read it, as the upload does. The loop keeps those bodies, in memory
	// and in a temporary file, and drops all others as they arrive (see
	// bodies.go). nil means none.
	needsBody, readsBody func(*Request) bool
	// log receives the loops' log: the access log and the comings and
	// goings of connections. nil discards it.
	log io.Writer
}

// run listens on addr and serves connections until ctx is cancelled. It
// then stops accepting, lets the answers already being written finish, and
// returns once every connection is closed.
func run(ctx context.Context, addr string, cfg config) error {
	srv, err := listen(addr, cfg)
	if err != nil {
		return err
	}
	log.Printf("listening on %s with %d event loops", srv.addr, len(srv.loops))
	return srv.serve(ctx)
}

// warnFileLimit warns when the process may run out of file descriptors
// before it reaches maxConns: every connection is one. (Go raises the soft
// limit to the hard one at startup; ulimit -n raises the hard one.)
func warnFileLimit(maxConns int) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if files := uint64(lim.Cur); files < uint64(maxConns)+64 { // Cur is an int64 on some BSDs
		log.Printf("warning: -max-conns is %d but only %d files may be open; raise ulimit -n", maxConns, files)
	}
}
