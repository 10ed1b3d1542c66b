package main

// Rate limiting with a token bucket per client address: each address has
// a bucket of at most burst tokens, refilled at rate tokens a second, and
// each request takes one. A client may send burst requests at once, then
// rate a second on average; past that it is answered 429 Too Many
// Requests (RFC 6585 §4) until its bucket refills.

import (
	lru "container/list" // list is a name the package uses already
	"errors"
	"log"
	"math"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// maxBuckets bounds the buckets a limiter keeps, whatever the number of
// addresses that send it requests: about 100 bytes each, so about 1 MiB.
const maxBuckets = 10000

// rateLimiter holds one token bucket per client address. Buckets are kept
// in a list, the most recently used first, so that the idle ones, at its
// back, are found without a scan: a bucket unused for burst/rate seconds
// is full again, the same as no bucket at all, and is dropped. When
// maxBuckets are in use, the least recently used is dropped even if it is
// not full yet: that client starts over with a full bucket. Refusing new
// addresses instead would let anyone with many addresses lock every new
// client out; forgetting an old one costs at most one extra burst.
type rateLimiter struct {
	rate  float64 // tokens added each second
	burst float64 // most tokens a bucket holds
	max   int     // most buckets kept
	now   func() time.Time

	mu      sync.Mutex // every connection's goroutine asks
	buckets map[string]*lru.Element
	recent  lru.List // of *bucket, most recently used at the front
}

// bucket is one address's tokens, as of last.
type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// newRateLimiter returns a limiter of rate requests a second and bursts of
// burst, keeping at most maxBuckets buckets.
func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), max: maxBuckets, now: time.Now, buckets: map[string]*lru.Element{}}
}

// rateLimit returns the middleware of -rate and -burst, or, with both 0,
// one that adds nothing.
func rateLimit(rate float64, burst int) (Middleware, error) {
	if rate == 0 && burst == 0 {
		return func(next Handler) Handler { return next }, nil
	}
	burst, err := burstOf(rate, burst)
	if err != nil {
		return nil, err
	}
	log.Printf("rate limit: %g a second from one address on average, in bursts of %d; more are answered 429", rate, burst)
	return newRateLimiter(rate, burst).middleware, nil
}

// burstOf checks -rate and -burst and returns the burst: as given, or, for
// 0, the rate rounded up, so that -rate 2.5 alone allows 3 at once.
func burstOf(rate float64, burst int) (int, error) {
	switch {
	case rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate):
		return 0, errors.New("-rate must be a positive number of requests a second (-burst alone does nothing)")
	case burst < 0:
		return 0, errors.New("-burst must be at least 1")
	case burst == 0:
		return int(math.Ceil(rate)), nil
	}
	return burst, nil
}

// middleware answers 429 to a request whose address has no token left,
// with Retry-After, the whole seconds until it has one (RFC 9110 §10.2.3),
// and a JSON error; anything else goes on to next.
func (l *rateLimiter) middleware(next Handler) Handler {
	return func(req *Request) *Response {
		wait, ok := l.take(clientKey(req.RemoteAddr))
		if ok {
			return next(req)
		}
		secs := int(math.Ceil(wait.Seconds()))
		resp := jsonResponse(errorJSON(429, "too many requests: at most %g a second from one address, in bursts of %g; retry in %d s", l.rate, l.burst, secs))
		resp.Header.Add("Retry-After", strconv.Itoa(secs))
		return resp
	}
}

// take takes a token from key's bucket and reports true, or reports false
// and how long until the bucket has a token again.
func (l *rateLimiter) take(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.forgetIdle(now)
	b := l.bucket(key, now)
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// bucket returns key's bucket, moved to the front of the list, or a new,
// full one there, dropping the least recently used if there are l.max.
// The caller holds l.mu.
func (l *rateLimiter) bucket(key string, now time.Time) *bucket {
	if e, ok := l.buckets[key]; ok {
		l.recent.MoveToFront(e)
		return e.Value.(*bucket)
	}
	if len(l.buckets) >= l.max {
		l.drop(l.recent.Back())
	}
	b := &bucket{key: key, tokens: l.burst, last: now}
	l.buckets[key] = l.recent.PushFront(b)
	return b
}

// forgetIdle drops the buckets that have refilled since their last use,
// from the back of the list, where the idlest are. The caller holds l.mu.
func (l *rateLimiter) forgetIdle(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for e := l.recent.Back(); e != nil && now.Sub(e.Value.(*bucket).last) >= full; e = l.recent.Back() {
		l.drop(e)
	}
}

// drop forgets the bucket of e. The caller holds l.mu.
func (l *rateLimiter) drop(e *lru.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.recent.Remove(e)
}

// clientKey is the bucket a request from addr, host:port, counts against:
// the host, since every connection of a client has a port of its own. An
// IPv6 client is counted by its /64, the block one home or one server is
// given, or it could take a fresh address, and a fresh bucket, for each
// request.
func clientKey(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64) // 64 bits fit in any IPv6 address
		return p.String()
	}
	return ip.String()
}
