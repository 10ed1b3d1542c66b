package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// rateExtra is how many requests past the burst the rate check sends at
// most, waiting for the 429 that a slow exchange can put off: each second
// the exchanges take gives the bucket one more token.
const rateExtra = 5

// refillMargin is added to the second a token takes to come back, so that
// the server's clock and the tester's need not agree to the millisecond.
const refillMargin = 150 * time.Millisecond

// apiRateLimit is the api-rate-limit check. The server was started with a
// burst of 3 and 1 request a second: three requests must be served, the
// next refused with 429, on that connection and on a new one, and, a
// second later, one served again. The tester's clock decides which
// answers are due: request k must be refused if k is more than the burst
// plus what the bucket can have regained since the first was sent, a
// bound the server's own clock can only make tighter.
func apiRateLimit(t *T) error {
	return t.withFlags("api-rate-limit", func() error {
		c, err := t.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		path := "/echo/" + t.randomWord()
		req := request("GET", path, nil, nil)
		t.reproduce("for i in 1 2 3 4; do curl -s -o /dev/null -w '%%{http_code}\\n' %s; done   # 200 three times, then 429", shellQuote(t.reproURL(path)))
		t.reproduceHTTP(t.curl("GET", path, nil, nil), 200, 429)

		start := time.Now()
		for k := 1; k <= apiBurst; k++ {
			if _, err := t.exchange(c, req, want{code: 200}); err != nil {
				return annotate(err, fmt.Sprintf("request %d of a burst of %d, sent at once on one connection, to a server started with --burst %d", k, apiBurst, apiBurst),
					"a client's first --burst requests are all served: give each new client address a full bucket of --burst tokens")
			}
		}
		resp, err := t.firstRefusal(c, req, start)
		if err != nil {
			return err
		}
		refused := time.Now()
		if err := t.expectTooMany(req, resp); err != nil {
			return err
		}
		if err := t.refusedOnNewConnection(req, start); err != nil {
			return err
		}
		return t.servedAfterRefill(c, req, refused)
	})
}

// firstRefusal sends req on c until the answer is a 429, which must come
// by the time the bucket cannot hold a token.
func (t *T) firstRefusal(c *conn, req []byte, start time.Time) (*response, error) {
	for k := apiBurst + 1; k <= apiBurst+rateExtra; k++ {
		resp, err := t.exchange(c, req, want{})
		if err != nil {
			return nil, err
		}
		elapsed := time.Since(start)
		switch {
		case resp.code == 429:
			return resp, nil
		case resp.code/100 != 2:
			return nil, &failure{Summary: fmt.Sprintf("request %d was answered %d; past its burst, a client gets 429 Too Many Requests", k, resp.code), Section: "RFC 6585 §4",
				Sent: req, Got: resp.raw, Hint: "refuse a request whose client has no token left with 429 Too Many Requests, not another status"}
		case mustRefuse(k, elapsed):
			return nil, &failure{
				Summary: fmt.Sprintf("request %d was served, %v after the first: a bucket of %d tokens refilled at %d a second has none left for it", k, elapsed.Round(time.Millisecond), apiBurst, apiRate),
				Detail:  fmt.Sprintf("the server was started with --rate %d --burst %d; the requests came on one connection, one after the other", apiRate, apiBurst),
				Sent:    req, Got: resp.raw,
				Hint: "count every request of a client address against its bucket: take a token for each, and answer 429 when fewer than one is left",
			}
		}
	}
	return nil, &failure{Summary: fmt.Sprintf("no 429 after %d requests, but the exchanges took so long that the bucket could refill: the tester cannot conclude", apiBurst+rateExtra),
		Hint: "run the check again on a less loaded machine; each request should take a millisecond or two"}
}

// mustRefuse reports whether the k-th request, answered elapsed after the
// first was sent, found no token: more requests than the burst and the
// tokens regained since.
func mustRefuse(k int, elapsed time.Duration) bool {
	return float64(k) > apiBurst+apiRate*elapsed.Seconds()
}

// expectTooMany checks a 429: a JSON error, as every error of card 5, and
// Retry-After, which RFC 6585 §4 only allows, valid if it is there.
func (t *T) expectTooMany(req []byte, resp *response) error {
	if err := expectJSONError(resp, req); err != nil {
		return annotate(err, "the answer was a 429", "")
	}
	ra := resp.get("Retry-After")
	if ra == "" {
		return t.adviseAbout(req, resp, warning{Summary: "the 429 has no Retry-After", Section: "RFC 6585 §4",
			Why: "a 429 may say how long to wait; without it a client guesses, and the card sends the seconds until the next token"})
	}
	if !validRetryAfter(ra) {
		return &failure{Summary: fmt.Sprintf("Retry-After: %s is neither a number of seconds nor an HTTP date", ra), Section: "RFC 9110 §10.2.3", Sent: req, Got: resp.raw,
			Hint: "send Retry-After as whole seconds, such as Retry-After: 1"}
	}
	return nil
}

// validRetryAfter reports whether v is a delay in seconds or an HTTP date
// in its preferred form (RFC 9110 §10.2.3, §5.6.7).
func validRetryAfter(v string) bool {
	if _, err := strconv.ParseUint(v, 10, 63); err == nil {
		return true
	}
	_, err := time.Parse(time.RFC1123, v)
	return err == nil && strings.HasSuffix(v, " GMT")
}

// refusedOnNewConnection sends req on a new connection, which must be
// refused too: the bucket is the client address's, and a client that
// reconnects is the same client.
func (t *T) refusedOnNewConnection(req []byte, start time.Time) error {
	c, err := t.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	resp, err := t.exchange(c, req, want{})
	if err != nil {
		return err
	}
	if resp.code/100 == 2 && mustRefuse(apiBurst+1, time.Since(start)) {
		return &failure{Summary: "after a 429, the same request on a new connection was served: the bucket belongs to the connection, so a client escapes it by reconnecting",
			Sent: req, Got: resp.raw, Hint: "key the buckets by the client's IP address, without its port: every connection of a client has a port of its own"}
	}
	return nil
}

// servedAfterRefill waits the second a token takes to come back, then
// sends req on c: a token bucket serves it again.
func (t *T) servedAfterRefill(c *conn, req []byte, refused time.Time) error {
	wait := time.Second/apiRate + refillMargin - time.Since(refused)
	select {
	case <-time.After(wait):
	case <-t.ctx.Done():
		return t.ctx.Err()
	}
	if _, err := t.exchange(c, req, want{code: 200}); err != nil {
		return annotate(err, fmt.Sprintf("a second after the 429, at --rate %d, the bucket has a token again", apiRate),
			"refill each bucket as time passes, rate tokens a second up to the burst, and let a refused request take no token")
	}
	return nil
}
