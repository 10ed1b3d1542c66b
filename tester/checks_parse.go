package main

import (
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
		check{stage: 2, slug: "root-200", name: "GET / answers 200 OK", read: readParseTests, run: rootOK},
		check{stage: 2, slug: "not-found-404", name: "an unknown path answers 404 Not Found", read: readParseTests, run: notFound},
		check{stage: 2, slug: "echo-path", name: "GET /echo/{str} answers {str} as text/plain", read: readParseTests, run: echoPath},
		check{stage: 2, slug: "user-agent", name: "GET /user-agent answers the User-Agent header", read: readParseTests, run: userAgent},
		check{stage: 2, slug: "byte-at-a-time", name: "a request sent one byte at a time", read: readFraming, run: byteAtATime},
		check{stage: 2, slug: "pipelined", name: "two requests in one write, answered in order", read: readKeepAlive, run: pipelined},
		check{stage: 2, slug: "keep-alive", name: "three requests on one connection", read: readKeepAlive, run: keepAlive},
		check{stage: 2, slug: "connection-close", name: "Connection: close is honoured", read: readKeepAlive, run: connectionClose},
		check{stage: 2, slug: "http-concurrent", name: "three connections opened together, used in reverse order", read: readParseTests, run: httpConcurrent},
		check{stage: 2, slug: "post-body-consumed", name: "a POST body to an unknown path is read, and the connection serves the next request", read: readFraming, run: postBodyConsumed},
	)
}

func rootOK(t *T) error {
	t.reproduce("%s", t.curl("GET", "/", nil, nil))
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
	t.reproduce("%s", t.curl("GET", path, nil, nil))
	return t.single(request("GET", path, nil, nil), want{code: 404})
}

func echoPath(t *T) error {
	word := t.randomWord()
	t.reproduce("%s", t.curl("GET", "/echo/"+word, nil, nil))
	return t.single(request("GET", "/echo/"+word, nil, nil), textBody(word))
}

func userAgent(t *T) error {
	ua := t.randomWord() + "/" + t.randomWord() + "-" + fmt.Sprint(t.rng.Intn(100))
	h := []string{"User-Agent: " + ua}
	t.reproduce("%s", t.curl("GET", "/user-agent", h, nil))
	return t.single(request("GET", "/user-agent", h, nil), textBody(ua))
}

func byteAtATime(t *T) error {
	word := t.randomWord()
	req := request("GET", "/echo/"+word, []string{"User-Agent: slow-client/1.0"}, nil)
	host, port := t.reproAddr()
	t.reproduce("nc -C %s %s   then type the request a line at a time: GET /echo/%s HTTP/1.1, Enter, Host: localhost, Enter, Enter (the tester sends one byte every 2 ms)", host, port, word)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.sendSlowly(req, 1, 2*time.Millisecond); err != nil {
		return err
	}
	if _, err := t.expectResponse(c, req, textBody(word)); err != nil {
		f := asFailure(err)
		f.Hint = "the request arrived in many small reads: keep reading until the blank line that ends the headers, however many reads that takes"
		return f
	}
	return nil
}

func pipelined(t *T) error {
	word, ua := t.randomWord(), t.randomWord()
	first := request("GET", "/echo/"+word, nil, nil)
	second := request("GET", "/user-agent", []string{"User-Agent: " + ua}, nil)
	both := append(append([]byte(nil), first...), second...)
	t.reproduceRaw(both)
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.send(both); err != nil {
		return err
	}
	hint := "both requests arrived in one read: parse the first, answer it, then parse the rest of what you read as the next request"
	w := textBody(word)
	w.more = true
	if _, err := t.expectResponse(c, first, w); err != nil {
		f := asFailure(err)
		f.Sent, f.Hint = both, hint
		return f
	}
	if _, err := t.expectResponse(c, second, textBody(ua)); err != nil {
		f := asFailure(err)
		f.Detail = "the first response was right; this is the second, to the request that arrived in the same write"
		f.Sent, f.Hint = both, hint
		return f
	}
	return nil
}

func keepAlive(t *T) error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	t.reproduce("curl -i http://localhost:%s/echo/one http://localhost:%s/echo/two   (curl reuses the connection: look for \"Re-using existing connection\" with -v)", codecraftersPort, codecraftersPort)
	for i := 1; i <= 3; i++ {
		word := t.randomWord()
		req := request("GET", "/echo/"+word, nil, nil)
		if _, err := t.exchange(c, req, textBody(word)); err != nil {
			f := asFailure(err)
			if i > 1 {
				f.Detail = fmt.Sprintf("this was request %d of 3 on one connection; the earlier ones were answered", i)
				f.Hint = "HTTP/1.1 connections stay open: after a response, read the next request from the same connection"
			}
			return f
		}
	}
	return nil
}

func connectionClose(t *T) error {
	word := t.randomWord()
	h := []string{"Connection: close"}
	req := request("GET", "/echo/"+word, h, nil)
	t.reproduce("%s", t.curl("GET", "/echo/"+word, h, nil))
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
	conns, err := t.dialAll(3)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	for i := len(conns) - 1; i >= 0; i-- {
		word := t.randomWord()
		if _, err := t.exchange(conns[i], request("GET", "/echo/"+word, nil, nil), textBody(word)); err != nil {
			f := asFailure(err)
			f.Detail = fmt.Sprintf("three connections were opened, then used last first; this was connection %d", i+1)
			f.Hint = "serve each connection concurrently, so an open connection never blocks the next one"
			return f
		}
	}
	return nil
}

func postBodyConsumed(t *T) error {
	body := []byte(strings.Repeat(t.randomWord()+" ", 400)) // well over 1 KiB
	path := "/" + t.randomWord()
	post := request("POST", path, []string{"Content-Type: text/plain"}, body)
	t.reproduce("%s", t.curl("POST", path, []string{"Content-Type: text/plain"}, []byte("...")))
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := t.exchange(c, post, want{code: 404}); err != nil {
		return err
	}
	word := t.randomWord()
	next := request("GET", "/echo/"+word, nil, nil)
	if _, err := t.exchange(c, next, textBody(word)); err != nil {
		f := asFailure(err)
		f.Detail = fmt.Sprintf("the POST before it, on the same connection, carried a %d-byte body (Content-Length: %d)", len(body), len(body))
		f.Hint = "read exactly Content-Length bytes of body after the headers, even when no route wants them; otherwise they are read as the next request"
		return f
	}
	return nil
}

// inParallel runs fn for each index at once and returns the first failure
// in index order, so a report does not depend on scheduling.
func inParallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
