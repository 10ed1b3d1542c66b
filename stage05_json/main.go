// Command stage05_json is the HTTP/1.1 server of stage 4 with a JSON API.
// It is the fifth stage of the workbook: a handler returns a status and a
// typed value, and one adapter encodes it with encoding/json, so every
// answer has the right Content-Type and every error, the router's and the
// parser's included, the same JSON shape with the right status. Request
// bodies are decoded strictly and validated, and a gzip middleware
// compresses text and JSON for clients that ask for it. With those, the
// server passes every stage of CodeCrafters' HTTP server challenge. And
// GET /events streams every change to the users as server-sent events,
// in a response whose length nobody knows.
//
// The files split the lesson: request.go parses a request and its framing,
// with chunked.go, host_expect.go and errors.go beside it, response.go
// serialises, router.go holds the Router and what the matchers share,
// pattern.go the pattern syntax, params.go the path parameters, dispatch.go
// the answers a lookup leads to, router_regex.go and router_radix.go the
// two matchers, handlers.go the routes, files.go the file routes, json.go
// turns values and errors into JSON, users.go the users resource, gzip.go
// the compression, middleware.go what else wraps the routes, cors.go,
// ratelimit.go and auth.go the API middleware that flags turn on,
// errorhandlers.go the hook that shapes every error's body, stream.go
// sends a body of unknown length in chunks, events.go streams the users'
// changes as server-sent events, and main.go runs the connections.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", listenAddr(), "address to listen on (host:port)")
	var cfg config
	flag.DurationVar(&cfg.idleTimeout, "idle-timeout", 30*time.Second, "close a connection that has not started a new request for this long")
	flag.DurationVar(&cfg.headerTimeout, "header-timeout", 10*time.Second, "time a client has to send a request's header section once it has started")
	matcherName := flag.String("router", "radix", "how routes are matched: radix (a radix tree) or regex (a list of regular expressions)")
	directory := flag.String("directory", "", "the directory that GET and POST /files/ read and write; without it they answer 404")
	flag.IntVar(&users.max, "max-users", defaultMaxUsers, "most users the store holds; a POST /users past it is answered 507")
	flag.IntVar(&cfg.maxConns, "max-conns", 10000, "most connections open at once; more are answered 503 and closed")
	flag.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM or Ctrl-C, how long the answers already started may take before the server closes their connections")
	var api apiFlags
	api.define()
	flag.DurationVar(&events.heartbeat, "heartbeat", defaultHeartbeat, "how often GET /events sends a comment to every subscriber, to keep quiet connections open")
	flag.IntVar(&events.max, "max-subscribers", defaultMaxSubscribers, "most GET /events streams at once; more are answered 503")
	flag.Parse()
	if cfg.maxConns < 1 || events.max < 1 || cfg.idleTimeout <= 0 || cfg.headerTimeout <= 0 || cfg.shutdownTimeout < 0 || events.heartbeat <= 0 {
		fmt.Fprintln(os.Stderr, "-max-conns and -max-subscribers must be at least 1, and the timeouts and -heartbeat positive")
		os.Exit(2)
	}

	log.SetPrefix("[json] ")
	log.SetFlags(log.Ltime | log.Lmicroseconds)

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

	// The first middleware is the outermost: the access log sees the 500
	// that recoverer makes of a panic, and gzip, innermost, compresses what
	// the handlers return, so the access log counts the bytes sent.
	// CORS comes before the rate limit, so that a 429 still tells the
	// browser that its page may read it; without flags both add nothing.
	app.Use(accessLog, recoverer, corsMW, limit, gzipMiddleware)
	cfg.handler = app.Handler()
	cfg.needsBody = app.TakesJSON
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
// own, with short timeouts, and pass it down to every connection.
type config struct {
	// idleTimeout bounds the wait for the first byte of the next request,
	// and, from the end of a head to the end of its answer, every wait for
	// the client to send more of the body or to take more of the answer
	// (see progressConn).
	idleTimeout time.Duration
	// headerTimeout bounds the time from the first byte of a request to the
	// empty line that ends its header section.
	headerTimeout time.Duration
	// maxConns bounds the connections open at once. Each holds a
	// goroutine, two buffers and a file descriptor, of which a process
	// has ulimit -n.
	maxConns int
	// handler answers every request: the router with its middleware.
	handler Handler
	// needsBody reports whether a request's handler needs its body whole,
	// in Body, before it runs: the JSON routes' do. nil means none does.
	needsBody func(*Request) bool
	// shutdownTimeout bounds a graceful shutdown: the answers already
	// started get this long to finish. The default, 10 s, is what a
	// container runtime waits between its SIGTERM and its SIGKILL.
	shutdownTimeout time.Duration
}

// run listens on addr and serves connections until ctx is cancelled, then
// shuts down gracefully (see serveListener). It returns only after every
// connection it accepted has been closed.
func run(ctx context.Context, addr string, cfg config) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("listening on %s", ln.Addr())
	return serveListener(ctx, ln, cfg)
}

// serve answers the requests of one connection. Each connection has its own
// goroutine, so a slow client only ever blocks itself.
func serve(conn net.Conn, cfg config, conns *connSet) {
	defer conn.Close()
	peer := conn.RemoteAddr()
	log.Printf("%s connected", peer)

	n, err := serveRequests(conn, cfg, conns)
	if err != nil && !conns.stopped() {
		log.Printf("%s: %v after %d requests", peer, err, n)
		return
	}
	log.Printf("%s closed after %d requests", peer, n)
}

// continueResponse is the interim answer to "Expect: 100-continue" (RFC 9110
// §10.1.1 and §15.2.1): it tells the client to go on and send the body. It
// is a constant rather than a Response because it is always the same bytes:
// a 1xx response has no content and no Content-Length (RFC 9110 §8.6).
const continueResponse = "HTTP/1.1 100 Continue\r\n\r\n"

// serveRequests reads requests from conn and answers them in order until the
// connection should close. It returns how many requests it answered, and a
// nil error when the client closed between two requests or the connection
// closed by agreement (Connection: close, or HTTP/1.0 without keep-alive).
//
// One bufio.Reader lives as long as the connection. That is the heart of
// keep-alive and pipelining: whatever arrived after the end of one request
// (the start of the next, or several whole ones) stays in its buffer for the
// next call to ReadRequestHead instead of being thrown away with a local
// buffer. Responses go through a bufio.Writer, flushed after each one so that
// head and body leave in one write and no answer waits behind a request
// whose bytes have not arrived yet.
//
// An incomplete request gets no answer. If its header section does not end
// within cfg.headerTimeout, or the client closes in its middle, the
// connection is closed silently; a 408 would be allowed (RFC 9110 §15.5.9)
// but there is no request to answer yet.
//
// conns learns when the connection waits for a request and when it
// answers one, so that a shutdown can close it while it waits, and let it
// finish what it has started.
func serveRequests(conn net.Conn, cfg config, conns *connSet) (int, error) {
	pc := &progressConn{Conn: conn, timeout: cfg.idleTimeout}
	br := bufio.NewReader(pc)
	bw := bufio.NewWriter(pc)
	for n := 0; ; n++ {
		// Wait, at most idleTimeout, for the first byte of the next request.
		// Peek leaves that byte in the buffer for the parser.
		pc.byProgress = false
		conns.waitFor(conn, cfg.idleTimeout)
		if _, err := br.Peek(1); err != nil {
			if err == io.EOF || conns.stopped() {
				return n, nil // the client closed between requests, or the server is stopping
			}
			return n, fmt.Errorf("waiting for request %d: %w", n+1, err)
		}

		// The request has started. Its whole header section must arrive
		// within headerTimeout, so a client trickling one byte a second
		// cannot hold the connection (and its goroutine) for ever.
		conns.waitFor(conn, cfg.headerTimeout)
		req, err := ReadRequestHead(br)
		if err != nil {
			return n, refuse(conn, bw, err)
		}
		conns.answering(conn)
		req.RemoteAddr = conn.RemoteAddr().String()

		// From here to the end of the answer, the client may take its
		// time, as long as it never stalls for idleTimeout: every read of
		// the body and every write of the answer gets a fresh deadline.
		pc.byProgress = true
		resp, err := respond(req, cfg, bw)
		if err != nil {
			return n, refuse(conn, bw, err)
		}
		keepAlive := req.KeepAlive()
		// A handler may close the connection too: recoverer does after a
		// panic.
		resp.Close = resp.Close || !keepAlive
		// An HTTP/1.0 client only keeps the connection if it hears so
		// (RFC 9112 Appendix C.2.2).
		resp.KeepAlive = keepAlive && req.Version == "HTTP/1.0"
		// Whatever answered, a response to HEAD has no body: the client
		// would read one as the start of the next response (RFC 9112 §6.3).
		resp.Head = req.Method == "HEAD"
		frameFeed(req, resp)
		if err := sendResponse(pc, br, bw, resp, conns); err != nil {
			if errors.Is(err, errClientGone) {
				return n + 1, nil
			}
			return n, err
		}
		if resp.Close {
			lingerClose(conn)
			return n + 1, nil
		}
	}
}

// respond answers req: a 100 Continue first if the client waits for
// one, then the handler, with the request's body read as it asks, and what
// it leaves read and dropped. An error is the body's, which refuse
// answers if it is a *StatusError, or the connection's.
func respond(req *Request, cfg config, bw *bufio.Writer) (*Response, error) {
	if req.ExpectsContinue() {
		bw.WriteString(continueResponse)
		if err := bw.Flush(); err != nil {
			return nil, err
		}
	}

	// A JSON handler decodes its body whole, so the serve loop reads
	// it into Body first. Any other handler may read the body as it
	// arrives, as the upload does. Whatever it leaves is read and
	// dropped before the answer, so the next request starts where this
	// one ends, and a body nobody wants costs a buffer, not its size.
	if cfg.needsBody != nil && cfg.needsBody(req) {
		if err := req.ReadBody(); err != nil {
			return nil, err
		}
	}
	resp := cfg.handler(req)
	if err := req.DiscardBody(); err != nil {
		resp.release()
		return nil, err
	}
	return resp, nil
}

// refuse ends a connection whose request could not be read, and returns err
// for serve to log, with the status it was answered with. A *StatusError
// gets its status and a JSON explanation, {"error": "..."}, then the
// connection closes: after bad framing the server no longer knows where the
// next request would start (RFC 9112 §6.3). Any other error (a timeout, the
// client closing mid-request, a reset) means the request is incomplete, so
// it gets no answer at all.
func refuse(conn net.Conn, bw *bufio.Writer, err error) error {
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	resp := errorResponse(se)
	resp.Close = true
	if werr := writeResponse(bw, resp); werr != nil {
		return fmt.Errorf("%w; answering %d: %v", err, se.Status, werr)
	}
	lingerClose(conn)
	return fmt.Errorf("%w -> %d", err, se.Status)
}

// errorResponse is the answer to a request refused with se: its status and
// a JSON explanation, {"error": "..."}, in the shape of every error of the
// API.
func errorResponse(se *StatusError) *Response {
	return statusErrorJSON(se)
}

// writeResponse serialises resp into bw and flushes it to the connection.
func writeResponse(bw *bufio.Writer, resp *Response) error {
	if err := resp.Write(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// lingerTimeout bounds how long lingerClose waits for a client to stop
// sending.
const lingerTimeout = time.Second

// lingerClose shuts the write side of conn and then reads and discards what
// the client still sends, for at most lingerTimeout, before serve's deferred
// Close. Closing a socket with unread input makes the kernel send a TCP
// reset, and a reset can destroy the response in the client's receive
// buffer before the client has read it: exactly the 400 or 413 it needed to
// see. RFC 9112 §9.6 describes this close in stages; servers call it a
// lingering close.
func lingerClose(conn net.Conn) {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, conn)
}
