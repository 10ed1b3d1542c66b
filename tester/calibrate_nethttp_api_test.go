package main

import (
	"crypto/subtle"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file is card 5's API middleware for the calibration server, the
// way a Go programmer would write it on net/http: each a func from
// http.Handler to http.Handler, configured by what the card's flags say.

// apiSettings are the calibration server's counterparts of card 5's
// flags; the zero value turns every middleware off.
type apiSettings struct {
	origins  []string // --cors-origin
	rate     float64  // --rate, requests a second; 0 is off
	burst    int      // --burst
	tokens   []string // the lines of --token-file; none is off
	problems bool     // --problem-details
}

// wrap puts the middleware that sees every request around h: CORS
// outermost, so that even a 429 may be read by an allowed page.
func (a apiSettings) wrap(h http.Handler) http.Handler {
	if a.rate > 0 {
		h = rateLimited(a.rate, a.burst, h)
	}
	if len(a.origins) > 0 {
		h = withCORS(a.origins, h)
	}
	return h
}

// withCORS answers preflights from the allowed origins, and lets their
// pages read the other answers. Any other origin passes through untouched.
func withCORS(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if !slices.Contains(origins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimited keeps a token bucket per client IP.
func rateLimited(rate float64, burst int, next http.Handler) http.Handler {
	type bucket struct {
		tokens float64
		last   time.Time
	}
	var mu sync.Mutex
	buckets := map[string]*bucket{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		now := time.Now()
		b, ok := buckets[ip]
		if !ok {
			b = &bucket{tokens: float64(burst), last: now}
			buckets[ip] = b
		}
		b.tokens = math.Min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
		b.last = now
		allowed := b.tokens >= 1
		if allowed {
			b.tokens--
		}
		wait := math.Ceil((1 - b.tokens) / rate)
		mu.Unlock()
		if !allowed {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait)))
			writeError(w, http.StatusTooManyRequests, "too many requests")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// guard requires a bearer token on a handler that changes the store, when
// there are tokens.
func (a apiSettings) guard(next http.HandlerFunc) http.HandlerFunc {
	if len(a.tokens) == 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="users"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		valid := 0
		for _, t := range a.tokens {
			valid |= subtle.ConstantTimeCompare([]byte(token), []byte(t))
		}
		if valid == 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="users", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid token")
			return
		}
		next(w, r)
	}
}

// problemDetails rewrites the JSON errors of next as RFC 9457 problem
// details, keeping every other header.
func (a apiSettings) problemDetails(next http.Handler) http.Handler {
	if !a.problems {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		if rec.Code >= 400 {
			var e struct{ Error string }
			json.Unmarshal(body, &e)
			body, _ = json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(rec.Code), "status": rec.Code, "detail": e.Error})
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// TestCalibrationNetHTTPAPI runs each API check against the calibration
// server started with that check's settings, as -addr requires: one check
// at a time. It passes them all; the warnings are net/http's 413 phrase,
// which RFC 7231 named, in the status line and in the problem's title.
func TestCalibrationNetHTTPAPI(t *testing.T) {
	settings := map[string]apiSettings{
		"api-cors":           {origins: apiOrigins},
		"api-rate-limit":     {rate: apiRate, burst: apiBurst},
		"api-bearer-token":   {tokens: apiTokens},
		"api-error-handlers": {problems: true},
	}
	warned := map[string][]string{
		"api-error-handlers": {
			`api-error-handlers: the status line "HTTP/1.1 413 Request Entity Too Large" has another reason phrase than RFC 9110's "HTTP/1.1 413 Content Too Large"`,
			`api-error-handlers: the problem's title is not "Content Too Large", the status's reason phrase`,
		},
	}
	require.Len(t, settings, len(apiChecks(5)), "every API check is calibrated")
	for slug, api := range settings {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			dir := servedDir(t)
			h, err := netHTTPServer(5, dir, api)
			require.NoError(t, err)
			addr := serveHTTP(t, h)
			code, rep := runTester(t, "-stage", "5", "-api", "-addr", addr, "-directory", dir, "-run", "^"+slug+"$")
			assert.Equal(t, 0, code)
			assert.Equal(t, warned[slug], rep.warnings())
		})
	}
}
