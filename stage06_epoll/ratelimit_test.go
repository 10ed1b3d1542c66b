package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) pass(d time.Duration) { c.t = c.t.Add(d) }
func limiterAt(rate float64, burst int) (*rateLimiter, *fakeClock) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	l := newRateLimiter(rate, burst)
	l.now = clock.now
	return l, clock
}

// TestTokenBucket follows one address through a burst, the refusals after
// it, and the refill.
func TestTokenBucket(t *testing.T) {
	l, clock := limiterAt(2, 3)
	for i := 0; i < 3; i++ {
		_, ok := l.take("10.0.0.1")
		assert.True(t, ok, "request %d of the burst", i+1)
	}
	wait, ok := l.take("10.0.0.1")
	assert.False(t, ok, "the burst is spent")
	assert.Equal(t, 500*time.Millisecond, wait, "one token comes in 1/rate seconds")

	_, ok = l.take("10.0.0.2")
	assert.True(t, ok, "another address has a bucket of its own")

	clock.pass(250 * time.Millisecond)
	wait, ok = l.take("10.0.0.1")
	assert.False(t, ok, "half a token is not a token")
	assert.Equal(t, 250*time.Millisecond, wait)

	clock.pass(250 * time.Millisecond)
	_, ok = l.take("10.0.0.1")
	assert.True(t, ok, "the token has come")
	_, ok = l.take("10.0.0.1")
	assert.False(t, ok, "and was the only one")

	clock.pass(time.Hour)
	for i := 0; i < 3; i++ {
		_, ok := l.take("10.0.0.1")
		assert.True(t, ok, "a long pause refills the bucket to burst, no more: request %d", i+1)
	}
	_, ok = l.take("10.0.0.1")
	assert.False(t, ok)
}

// TestBucketsBounded fills a limiter from many addresses: idle buckets are
// forgotten once full again, and the count never passes max.
func TestBucketsBounded(t *testing.T) {
	l, clock := limiterAt(1, 2)
	l.max = 100
	for i := 0; i < 1000; i++ {
		_, ok := l.take(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		require.True(t, ok, "a new address gets a full bucket")
		assert.LessOrEqual(t, len(l.buckets), 100)
		assert.Equal(t, len(l.buckets), l.recent.Len())
	}
	assert.Equal(t, 100, len(l.buckets), "at the cap, the least recently used goes")

	clock.pass(2 * time.Second) // burst/rate: every bucket is full again
	_, ok := l.take("192.0.2.1")
	assert.True(t, ok)
	assert.Equal(t, 1, len(l.buckets), "full buckets are forgotten on the next request")

	// An address that keeps sending keeps its bucket, and its debt, while
	// others come and go.
	l.take("192.0.2.1")
	for i := 0; i < 500; i++ {
		l.take(fmt.Sprintf("10.1.%d.%d", i/256, i%256))
		l.take("192.0.2.1")
	}
	_, ok = l.take("192.0.2.1")
	assert.False(t, ok, "the busy address is still limited")
}

func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:51234":                   "127.0.0.1",
		"[::ffff:192.0.2.7]:80":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":        "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff:ffff:1]:1": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:8080":               "fe80::/64",
		"":                                  "",
		"not an address":                    "not an address",
	} {
		assert.Equal(t, want, clientKey(addr), addr)
	}
}

// TestRateLimitMiddleware checks the answer a limited request gets: 429,
// Retry-After in whole seconds, and the stage's JSON error.
func TestRateLimitMiddleware(t *testing.T) {
	l, _ := limiterAt(0.5, 1)
	h := l.middleware(says("ok"))
	req := request("GET", "/echo/x")
	req.RemoteAddr = "192.0.2.1:4000"
	assert.Equal(t, 200, h(req).Status)
	req.RemoteAddr = "192.0.2.1:4001" // another connection, the same client
	resp := h(req)
	assert.Equal(t, 429, resp.Status)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var e map[string]string
	require.NoError(t, json.Unmarshal(resp.Body, &e))
	assert.Contains(t, e["error"], "too many requests")
}

func TestRateLimitFlags(t *testing.T) {
	mw, err := rateLimit(0, 0)
	require.NoError(t, err)
	h := says("ok")
	assert.Equal(t, funcName(h), funcName(mw(h)), "off: the handler itself, unwrapped")

	for _, bad := range []struct {
		rate  float64
		burst int
	}{{-1, 0}, {0, 5}, {2, -1}} {
		_, err := rateLimit(bad.rate, bad.burst)
		assert.Error(t, err, "-rate %g -burst %d", bad.rate, bad.burst)
	}

	burst, err := burstOf(2.5, 0)
	require.NoError(t, err)
	assert.Equal(t, 3, burst, "a burst of 0 is the rate rounded up")
	burst, err = burstOf(2.5, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, burst)
}

// BenchmarkRateLimiterTake measures one request's cost to the limiter:
// one busy address, and a flood of new addresses that keeps the limiter
// at its cap, evicting a bucket for each.
func BenchmarkRateLimiterTake(b *testing.B) {
	b.Run("one-address", func(b *testing.B) {
		l := newRateLimiter(1e9, 1<<30)
		for i := 0; i < b.N; i++ {
			l.take("192.0.2.1")
		}
	})
	b.Run("new-address-each", func(b *testing.B) {
		l := newRateLimiter(1, 1)
		keys := make([]string, 2*maxBuckets)
		for i := range keys {
			keys[i] = fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			l.take(keys[i%len(keys)])
		}
	})
}
