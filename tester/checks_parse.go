package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Where a failed stage-2 check sends the learner.
const (
	readParseTests = "stages/02-parse.md#tests"
	readFraming    = "stages/02-parse.md#tests and docs/02-parse.md#framing"
	readKeepAlive  = "stages/02-parse.md#tests and docs/02-parse.md#keep-alive-and-pipelining"
	readBadInput   = "stages/02-parse.md#strict-checks and docs/02-parse.md#bad-input"
)

func init() {
	register(
		check{stage: 2, slug: "root-200", name: "GET / answers 200 OK", read: readParseTests, run: rootOK, hints: []string{
			`Look at the first bytes your server writes back for GET /: the tester compares the status line, then the headers, and shows where they first differ, with every \r\n visible.`,
			`Common causes: lines ended by \n instead of \r\n, no blank line after the headers, no Content-Length: 0, or the request still echoed back as in stage 1.`,
			`Read the request line and the headers up to the blank line, then write HTTP/1.1 200 OK\r\n, Content-Length: 0\r\n and \r\n (other headers may come before the blank line).`,
		}},
		check{stage: 2, slug: "not-found-404", name: "an unknown path answers 404 Not Found", read: readParseTests, run: notFound, hints: []string{
			"Look at how your server chooses its answer from the request's path: the tester asks for a random path that no route has.",
			"The server probably answers 200 to every path, or answers nothing (it crashes, or closes) when no route matches.",
			`Compare the target of the request line with your routes, and when none matches, answer HTTP/1.1 404 Not Found\r\n with Content-Length: 0 and the blank line.`,
		}},
		check{stage: 2, slug: "echo-path", name: "GET /echo/{str} answers {str} as text/plain", read: readParseTests, run: echoPath, hints: []string{
			"Look at the route for paths that start with /echo/, and at the headers of its answer: the tester checks the status, Content-Type, Content-Length and the body.",
			"Usually Content-Length counts the wrong thing (the whole path, or characters rather than bytes), Content-Type is missing, or the /echo/ prefix is left in the body.",
			"Take the rest of the path after /echo/ as the body, and answer 200 with Content-Type: text/plain and a Content-Length that is the body's length in bytes, then the blank line and the body.",
		}},
		check{stage: 2, slug: "user-agent", name: "GET /user-agent answers the User-Agent header", read: readParseTests, run: userAgent, hints: []string{
			"Look at how your server reads the header lines after the request line: this route answers with the value of the User-Agent header.",
			`The header is probably looked up with the wrong case (field names are case-insensitive), or its value keeps the space after the colon or the \r at the end of the line.`,
			"Split each header line at its first colon, compare the name without regard to case, trim spaces and tabs from the value, and answer that value as text/plain with its Content-Length.",
		}},
		check{stage: 2, slug: "byte-at-a-time", name: "a request sent one byte at a time", read: readFraming, run: byteAtATime, hints: []string{
			"Look at how your server reads a request: here every byte arrives on its own, so each read returns a single byte.",
			"The parser probably takes what the first read returned for the whole request, so it parses a fragment, answers 400, or waits for bytes it has in fact already read.",
			`Keep a buffer per connection and read until it holds \r\n\r\n, the end of the headers (a buffered reader that reads lines does this for you), and only then parse.`,
		}},
		check{stage: 2, slug: "pipelined", name: "two requests in one write, answered in order", read: readKeepAlive, run: pipelined, hints: []string{
			"Look at what your server does with the bytes left over after the first request: the tester sends two whole requests in a single write.",
			"The server probably reads once, parses the first request, and throws the rest of the buffer away, so the second request is never answered.",
			"Keep one buffered reader for the connection's whole life; after answering, parse the next request from what is still buffered before reading the socket again.",
		}},
		check{stage: 2, slug: "keep-alive", name: "three requests on one connection", read: readKeepAlive, run: keepAlive, hints: []string{
			"Look at what your handler does after it has written a response: HTTP/1.1 connections stay open, and the tester sends three requests on one.",
			"The handler probably closes the connection after one response, or stops reading after the first request.",
			"Loop on each connection: read a request, write its whole response, and go back to reading, until the client closes or asks for Connection: close.",
		}},
		check{stage: 2, slug: "connection-close", name: "Connection: close is honoured", read: readKeepAlive, run: connectionClose, hints: []string{
			"Look at what your server does after answering a request that carries Connection: close.",
			"The server probably keeps the connection open and waits for another request, so the client never sees the end of the stream.",
			"After writing the answer to a request whose Connection header holds the token close (in any case), close the connection; say Connection: close in that answer too.",
		}},
		check{stage: 2, slug: "http-concurrent", name: "three connections opened together, used in reverse order", read: readParseTests, run: httpConcurrent, hints: []string{
			"Look at how your server serves one connection while another is open: the tester opens three connections, then sends on the last one first.",
			"With keep-alive, a server that serves one connection at a time stays stuck reading the first, which stays open, so the others are never served.",
			"Serve each connection concurrently, as in stage 1: a goroutine, a thread or a process per connection, or an event loop.",
		}},
		check{stage: 2, slug: "post-body-consumed", name: "a POST body to an unknown path is read, and the connection serves the next request", read: readFraming, run: postBodyConsumed, hints: []string{
			"Look at what happens to the body of a request no route wants: the tester POSTs a few kilobytes to an unknown path, then sends a GET on the same connection.",
			"The body is probably left unread, so its bytes are parsed as the next request line, and the GET gets a 400 or no answer at all.",
			"After the headers, read exactly Content-Length bytes of body before you answer, whatever the route, so that the next request starts where this one ends.",
		}},
	)
}

func rootOK(t *T) error {
	t.reproduceHTTP(t.curl("GET", "/", nil, nil), 200)
	return t.single(request("GET", "/", nil, nil), want{code: 200, checkBody: true, body: []byte{}, headers: map[string]string{"Content-Length": "0"}})
}

// single sends one request on a new connection and checks the answer.
func (t *T) single(req []byte, w want) error {
	_, err := t.roundTrip(req, w)
	return err
}

// roundTrip is single for checks that look further into the response.
func (t *T) roundTrip(req []byte, w want) (*response, error) {
	c, err := t.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return t.exchange(c, req, w)
}

func notFound(t *T) error {
	path := "/" + t.randomWord()
	t.reproduceHTTP(t.curl("GET", path, nil, nil), 404)
	return t.single(request("GET", path, nil, nil), want{code: 404})
}

func echoPath(t *T) error {
	word := t.randomWord()
	t.reproduceHTTP(t.curl("GET", "/echo/"+word, nil, nil), 200)
	return t.single(request("GET", "/echo/"+word, nil, nil), textBody(word))
}

// randomUserAgent returns a User-Agent value a server cannot guess.
func (t *T) randomUserAgent() string {
	return t.randomWord() + "/" + t.randomWord() + "-" + fmt.Sprint(t.rng.Intn(100))
}

func userAgent(t *T) error {
	ua := t.randomUserAgent()
	h := []string{"User-Agent: " + ua}
	t.reproduceHTTP(t.curl("GET", "/user-agent", h, nil), 200)
	return t.single(request("GET", "/user-agent", h, nil), textBody(ua))
}

func byteAtATime(t *T) error {
	word := t.randomWord()
	req := request("GET", "/echo/"+word, []string{"User-Agent: slow-client/1.0"}, nil)
	line, rest, _ := bytes.Cut(req, []byte("\r\n"))
	host, port := t.reproAddr()
	t.reproduceHTTP(fmt.Sprintf("{ printf %s; sleep 0.5; printf %s; } | nc -N %s %s   # in two pieces; the tester sends one byte every 2 ms",
		printfQuote(append(line, '\r')), printfQuote(append([]byte("\n"), rest...)), host, port), 200)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	err = c.sendSlowly(req, 1, 2*time.Millisecond)
	if err == nil {
		_, err = t.expectResponse(c, req, textBody(word))
	}
	return annotate(err, "", "the request arrived in many small reads: keep reading until the blank line that ends the headers, however many reads that takes")
}

func pipelined(t *T) error {
	word, ua := t.randomWord(), t.randomWord()
	first := request("GET", "/echo/"+word, nil, nil)
	second := request("GET", "/user-agent", []string{"User-Agent: " + ua}, nil)
	both := append(append([]byte(nil), first...), second...)
	t.reproduceRaw(both, 200)
	c, err := t.dialAndSend(both)
	defer c.Close()
	if err != nil {
		return err
	}
	hint := "both requests arrived in one read: parse the first, answer it, then parse the rest of what you read as the next request"
	w := textBody(word)
	w.more = true
	if _, err := t.expectResponse(c, first, w); err != nil {
		asFailure(err).Sent = both
		return annotate(err, "", hint)
	}
	if _, err := t.expectResponse(c, second, textBody(ua)); err != nil {
		asFailure(err).Sent = both
		return annotate(err, "the first response was right; this is the second, to the request that arrived in the same write", hint)
	}
	return nil
}

func keepAlive(t *T) error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	t.reproduceHTTP(fmt.Sprintf("curl -i %s %s   # one connection: curl -v says \"Re-using existing connection\"", t.reproURL("/echo/one"), t.reproURL("/echo/two")), 200)
	for i := 1; i <= 3; i++ {
		word := t.randomWord()
		req := request("GET", "/echo/"+word, nil, nil)
		if _, err := t.exchange(c, req, textBody(word)); err != nil {
			if i == 1 {
				return err
			}
			return annotate(err, fmt.Sprintf("this was request %d of 3 on one connection; the earlier ones were answered", i),
				"HTTP/1.1 connections stay open: after a response, read the next request from the same connection")
		}
	}
	return nil
}

func connectionClose(t *T) error {
	word := t.randomWord()
	h := []string{"Connection: close"}
	req := request("GET", "/echo/"+word, h, nil)
	t.reproduceHTTP(t.curl("GET", "/echo/"+word, h, nil), 200)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	w := textBody(word)
	w.closes = true
	_, err = t.exchange(c, req, w)
	return err
}

func httpConcurrent(t *T) error {
	host, port := t.reproAddr()
	t.reproduce("for i in 1 2 3; do (sleep $((4 - i)); printf 'GET /echo/c%%s HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n' $i) | nc -N %s %s & sleep 0.2; done; wait   # opened 1, 2, 3; used 3, 2, 1", host, host, port)
	return t.inReverse(func(c *conn, i int) error {
		word := t.randomWord()
		_, err := t.exchange(c, request("GET", "/echo/"+word, nil, nil), textBody(word))
		return err
	}, func(i int) string {
		return fmt.Sprintf("three connections were opened, then used last first; this was connection %d", i+1)
	}, "serve each connection concurrently, so an open connection never blocks the next one")
}

func postBodyConsumed(t *T) error {
	const copies = 400
	word := t.randomWord()
	body := []byte(strings.Repeat(word+" ", copies)) // well over 1 KiB
	path := "/" + t.randomWord()
	h := []string{"Content-Type: text/plain"}
	post := request("POST", path, h, body)
	t.reproduceHTTP(t.curlPiped(fmt.Sprintf("printf '%%.0s%s ' $(seq %d)", word, copies), "POST", path, h), 404)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := t.exchange(c, post, want{code: 404}); err != nil {
		return err
	}
	next := t.randomWord()
	_, err = t.exchange(c, request("GET", "/echo/"+next, nil, nil), textBody(next))
	return annotate(err, fmt.Sprintf("the POST before it, on the same connection, carried a %d-byte body (Content-Length: %d)", len(body), len(body)),
		"read exactly Content-Length bytes of body after the headers, even when no route wants them; otherwise they are read as the next request")
}

// inParallel runs fn for each index at once and returns the first failure
// in index order, so a report does not depend on scheduling.
func inParallel(n int, fn func(i int) error) error { return inParallelN(n, n, fn) }

// inParallelN is inParallel with at most limit calls of fn running at a
// time, for thousands of connections.
func inParallelN(n, limit int, fn func(i int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
