package main

import (
	"encoding/json"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// naiveAPI is card 5's API middleware done the quick way, on the naive
// server of brokenhttp_test.go: it reads the flags the API checks give the
// server, and with no flaw passes those checks. Each flaw breaks one thing.
type naiveAPI struct {
	corsAnyOrigin   bool // echoes any Origin in Access-Control-Allow-Origin
	corsStarHeaders bool // Access-Control-Allow-Headers: *
	corsNoPreflight bool // answers a preflight as a plain OPTIONS

	rateIgnored      bool // never limits
	ratePerConn      bool // a bucket per connection, keyed by address and port
	rateNoRefill     bool // a fixed budget that never comes back
	rateNoRetryAfter bool // 429 without Retry-After

	authIgnored       bool // never asks for a token
	authNoChallenge   bool // 401 without WWW-Authenticate
	authSubstring     bool // any token found inside the file passes
	authFirstLine     bool // reads the first line of the file only
	authCaseSensitive bool // only "Bearer " with a capital B
	authNoError       bool // no error="invalid_token" for a wrong token

	problemNotParser bool // the 413 for a large body stays {"error": ...}
	problemNotRouter bool // the 404 for an unknown path stays {"error": ...}
}

func init() {
	stage5 := naiveHTTP{methods: true, params: true, safeFiles: true, json: naiveJSON{on: true}}
	for name, flaw := range map[string]func(*naiveAPI){
		"api-ok":                  func(*naiveAPI) {},
		"api-cors-any-origin":     func(a *naiveAPI) { a.corsAnyOrigin = true },
		"api-cors-star-headers":   func(a *naiveAPI) { a.corsStarHeaders = true },
		"api-cors-no-preflight":   func(a *naiveAPI) { a.corsNoPreflight = true },
		"api-rate-ignored":        func(a *naiveAPI) { a.rateIgnored = true },
		"api-rate-per-conn":       func(a *naiveAPI) { a.ratePerConn = true },
		"api-rate-no-refill":      func(a *naiveAPI) { a.rateNoRefill = true },
		"api-rate-no-retry-after": func(a *naiveAPI) { a.rateNoRetryAfter = true },
		"api-auth-ignored":        func(a *naiveAPI) { a.authIgnored = true },
		"api-auth-no-challenge":   func(a *naiveAPI) { a.authNoChallenge = true },
		"api-auth-substring":      func(a *naiveAPI) { a.authSubstring = true },
		"api-auth-first-line":     func(a *naiveAPI) { a.authFirstLine = true },
		"api-auth-case-sensitive": func(a *naiveAPI) { a.authCaseSensitive = true },
		"api-auth-no-error":       func(a *naiveAPI) { a.authNoError = true },
		"api-problem-not-parser":  func(a *naiveAPI) { a.problemNotParser = true },
		"api-problem-not-router":  func(a *naiveAPI) { a.problemNotRouter = true },
	} {
		srv := stage5
		flaw(&srv.api)
		brokenServers[name] = srv.serve
	}
}

// naiveFlags are the API flags the naive server was started with.
var naiveFlags = sync.OnceValue(func() (f struct {
	origins     []string
	rate        float64
	burst       int
	tokenFile   string
	problemJSON bool
}) {
	args := os.Args
	for i := 0; i < len(args); i++ {
		next := func() string {
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch args[i] {
		case "--cors-origin":
			f.origins = append(f.origins, next())
		case "--rate":
			f.rate, _ = strconv.ParseFloat(next(), 64)
		case "--burst":
			f.burst, _ = strconv.Atoi(next())
		case "--token-file":
			f.tokenFile = next()
		case "--problem-details":
			f.problemJSON = true
		}
	}
	return f
})

// naiveAnswer is what the naive server sends: a status line's status, a
// Content-Type, a body and more header lines.
type naiveAnswer struct {
	status, ctype, body string
	headers             []string
}

// before answers a request the middleware refuses or answers itself: a
// preflight, a client over its rate, a change without a valid token.
func (a naiveAPI) before(req naiveRequest, c net.Conn) (naiveAnswer, bool) {
	if ans, ok := a.preflight(req); ok {
		return ans, true
	}
	if ans, ok := a.limit(c); ok {
		return ans, true
	}
	return a.authorize(req)
}

// after adds the CORS headers to an actual response and turns an error
// into problem details.
func (a naiveAPI) after(req naiveRequest, ans naiveAnswer) naiveAnswer {
	f := naiveFlags()
	if origin := req.headers["origin"]; len(f.origins) > 0 && req.method != "OPTIONS" {
		if a.corsAnyOrigin || contains(f.origins, origin) {
			ans.headers = append(ans.headers, "Access-Control-Allow-Origin: "+origin)
		}
		ans.headers = append(ans.headers, "Vary: Origin")
	}
	code, _ := strconv.Atoi(strings.Fields(ans.status + " 0")[0])
	switch {
	case !f.problemJSON || code < 400:
	case a.problemNotParser && code == 413:
	case a.problemNotRouter && strings.Contains(ans.body, "no route for"):
	default:
		var e struct{ Error string }
		json.Unmarshal([]byte(ans.body), &e)
		b, _ := json.Marshal(map[string]any{"type": "about:blank", "title": reasonPhrases[code], "status": code, "detail": e.Error})
		ans.ctype, ans.body = "application/problem+json", string(b)
		if code == 405 {
			// The naive resource's 405 has no Allow: what /users allows.
			ans.headers = append(ans.headers, "Allow: GET, HEAD, OPTIONS, POST")
		}
	}
	return ans
}

func (a naiveAPI) preflight(req naiveRequest) (naiveAnswer, bool) {
	origin := req.headers["origin"]
	if len(naiveFlags().origins) == 0 || a.corsNoPreflight || req.method != "OPTIONS" || origin == "" || req.headers["access-control-request-method"] == "" {
		return naiveAnswer{}, false
	}
	ans := naiveAnswer{status: "204 No Content", headers: []string{"Allow: GET, HEAD, OPTIONS, POST, PUT, DELETE", "Vary: Origin"}}
	if a.corsAnyOrigin || contains(naiveFlags().origins, origin) {
		allowHeaders := "Authorization, Content-Type"
		if a.corsStarHeaders {
			allowHeaders = "*"
		}
		ans.headers = append(ans.headers, "Access-Control-Allow-Origin: "+origin, "Access-Control-Allow-Methods: GET, POST, PUT, DELETE",
			"Access-Control-Allow-Headers: "+allowHeaders, "Access-Control-Max-Age: 600")
	}
	return ans, true
}

// naiveBuckets are the rate limiter's tokens, by key.
var naiveBuckets = struct {
	sync.Mutex
	tokens map[string]float64
	last   map[string]time.Time
}{tokens: map[string]float64{}, last: map[string]time.Time{}}

func (a naiveAPI) limit(c net.Conn) (naiveAnswer, bool) {
	f := naiveFlags()
	if f.rate == 0 || a.rateIgnored {
		return naiveAnswer{}, false
	}
	key, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	if a.ratePerConn {
		key = c.RemoteAddr().String()
	}
	b := &naiveBuckets
	b.Lock()
	defer b.Unlock()
	now := time.Now()
	tokens, seen := b.tokens[key]
	if !seen {
		tokens = float64(f.burst)
	} else if !a.rateNoRefill {
		tokens = math.Min(float64(f.burst), tokens+now.Sub(b.last[key]).Seconds()*f.rate)
	}
	b.last[key] = now
	if tokens >= 1 {
		b.tokens[key] = tokens - 1
		return naiveAnswer{}, false
	}
	b.tokens[key] = tokens
	body, _ := json.Marshal(map[string]string{"error": "slow down"})
	ans := naiveAnswer{status: "429 Too Many Requests", ctype: "application/json", body: string(body)}
	if !a.rateNoRetryAfter {
		ans.headers = []string{"Retry-After: " + strconv.Itoa(int(math.Ceil((1-tokens)/f.rate)))}
	}
	return ans, true
}

func (a naiveAPI) authorize(req naiveRequest) (naiveAnswer, bool) {
	f := naiveFlags()
	path, _, _ := strings.Cut(req.target, "?")
	changes := (req.method == "POST" && path == "/users") || ((req.method == "PUT" || req.method == "DELETE") && strings.HasPrefix(path, "/users/"))
	if f.tokenFile == "" || a.authIgnored || !changes {
		return naiveAnswer{}, false
	}
	file, _ := os.ReadFile(f.tokenFile)
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")
	if a.authFirstLine {
		lines = lines[:1]
	}
	auth := req.headers["authorization"]
	scheme, tok, _ := strings.Cut(auth, " ")
	if (a.authCaseSensitive && scheme != "Bearer") || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return a.unauthorized(`Bearer realm="api"`), true
	}
	if (a.authSubstring && strings.Contains(string(file), tok)) || contains(lines, tok) {
		return naiveAnswer{}, false
	}
	if a.authNoError {
		return a.unauthorized(`Bearer realm="api"`), true
	}
	return a.unauthorized(`Bearer realm="api", error="invalid_token"`), true
}

func (a naiveAPI) unauthorized(challenge string) naiveAnswer {
	body, _ := json.Marshal(map[string]string{"error": "a token is needed"})
	ans := naiveAnswer{status: "401 Unauthorized", ctype: "application/json", body: string(body)}
	if !a.authNoChallenge {
		ans.headers = []string{"WWW-Authenticate: " + challenge}
	}
	return ans
}
