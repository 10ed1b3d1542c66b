package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand"
	"net"
	"sort"
	"sync"
	"time"
)

// check is one named step of the tester. Checks are grouped by the stage that
// introduces them; a check stays in force for later stages until the stage
// named by until, when the behaviour it tests is superseded (stage 1's echo
// checks end where HTTP begins).
type check struct {
	stage  int
	slug   string // stable, for -run and the -json report
	name   string // what the learner reads
	until  int    // last stage the check applies to; 0 means every later stage
	strict bool   // runs only with -strict
	api    bool   // runs only with -api, each against a server of its own (checks_api.go)
	always bool   // runs even when -run does not name it: the others need it first
	read   string // where to read when it fails, relative to the repository
	label  string // the bracketed prefix of its lines; [stage-N] when empty
	// hints are shown one at a time by "tester hint", after the check
	// failed: where to look, then what is likely wrong, then what to do.
	// They name concepts, not one language's API, since learners write
	// their servers in any language.
	hints []string
	run   func(t *T) error
}

// registry holds every check, in the order the stage files register them.
var registry []check

// register adds checks at package initialisation; each stage's file calls it
// once, so the order of a stage's checks is the order of its list.
func register(cs ...check) { registry = append(registry, cs...) }

// checksFor returns, in order, the checks that apply when testing stage n:
// every earlier stage's checks still in force, then stage n's own. The API
// checks are not among them: apiChecks adds them, after all of these.
func checksFor(n int, strict bool) []check {
	var out []check
	for _, c := range registry {
		if c.stage > n || (c.until != 0 && c.until < n) || (c.strict && !strict) || c.api {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].stage < out[j].stage })
	return out
}

// failure says what went wrong in a check: what was sent, what came back,
// what was expected, and in words what that means. The tester prints it and
// the -json report carries it.
type failure struct {
	Summary string `json:"summary"`
	Section string `json:"section,omitempty"` // the RFC section that decides it, when one does
	Advised bool   `json:"advised,omitempty"` // a warning that -pedantic made a failure
	Detail  string `json:"detail,omitempty"`
	Sent    []byte `json:"sent,omitempty"`
	Got     []byte `json:"received,omitempty"`
	Want    []byte `json:"expected,omitempty"`
	Diff    string `json:"difference,omitempty"`
	Hint    string `json:"hint,omitempty"`
	// Regression says that the check is an earlier stage's, and
	// LikelyCauses the tested stage's usual regressions.
	Regression   string   `json:"regression,omitempty"`
	LikelyCauses []string `json:"likely_causes,omitempty"`
	cause        error    // the sentinel behind a read or write error, for errors.Is
}

func (f *failure) Error() string { return f.Summary }

// Unwrap lets checks ask errors.Is(err, errTimeout) of a failed step, to
// give a hint only where it explains that kind of failure.
func (f *failure) Unwrap() error { return f.cause }

// MarshalJSON writes the exchanged bytes twice: as JSON strings, so that a
// CI log shows them readably, and in base64 beside them, so that bytes that
// are not UTF-8 (a gzip body, a TLS handshake) survive the trip.
func (f *failure) MarshalJSON() ([]byte, error) {
	type plain failure // the same fields, without this method
	return json.Marshal(struct {
		*plain
		Sent       string `json:"sent,omitempty"`
		SentBase64 []byte `json:"sent_base64,omitempty"`
		Got        string `json:"received,omitempty"`
		GotBase64  []byte `json:"received_base64,omitempty"`
		Want       string `json:"expected,omitempty"`
		WantBase64 []byte `json:"expected_base64,omitempty"`
	}{(*plain)(f), string(f.Sent), f.Sent, string(f.Got), f.Got, string(f.Want), f.Want})
}

// asFailure makes any error a failure to print.
func asFailure(err error) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	return &failure{Summary: err.Error(), cause: err}
}

// annotate adds what the check knows to a failed step: where in the check
// it happened, and a hint that replaces the step's own because the check
// knows better what that failure means here. Empty strings change nothing;
// a nil err stays nil, so a check can end with return annotate(err, ...).
func annotate(err error, detail, hint string) error {
	if err == nil {
		return nil
	}
	f := asFailure(err)
	if detail != "" {
		f.Detail = detail
	}
	if hint != "" {
		f.Hint = hint
	}
	return f
}

// warning is an advised assertion the server missed: a SHOULD of RFC 9110
// or 9112, or a choice of the cards that the RFCs leave open. It is printed
// and counted, and fails the run only under -pedantic.
type warning struct {
	Summary string `json:"summary"` // what the server did
	Section string `json:"section"` // the RFC section, or the card, that advises otherwise
	Why     string `json:"why"`     // one line: why it is advice and not a requirement
}

// T is what a check runs with: where the server is, a random source seeded
// for this check alone, and ways to report progress.
type T struct {
	ctx      context.Context
	addr     string
	files    string // the directory the server was given with --directory
	rng      *rand.Rand
	rep      *reporter
	prefix   string
	timeout  time.Duration // how long any one read may wait
	pedantic bool          // warnings are failures
	listen   listenPlan    // how the bind check finds the server
	server   *server       // nil when testing a server started by someone else
	cc       ccMode        // how far responses are read and judged as CodeCrafters does
	// regressed is the stage tested, when a failure of an earlier stage's
	// check is a regression to explain: 0 for a reference solution, which
	// was never changed for the stage tested.
	regressed int

	mu       sync.Mutex // guards what checks that run connections in parallel record
	repro    []reproLine
	warnings []warning
	measured []string
}

// listenPlan is what the bind check needs to find a server the tester
// started: the port it was given, how long to wait, and whether CodeCrafters'
// 4221 may be tried.
type listenPlan struct {
	port      string
	wait      time.Duration
	probe4221 bool
}

// reproLine is a shell command that repeats what a check sends, and the
// statuses a correct server may answer it with (none when it is not one
// request), which the tests check by running the command.
type reproLine struct {
	cmd      string
	statuses []int
}

// begin resets what T records for the next check.
func (t *T) begin(c check, seed int64) {
	t.prefix = fmt.Sprintf("[stage-%d]", c.stage)
	if c.label != "" {
		t.prefix = "[" + c.label + "]"
	}
	t.rng = newRand(seed, c.slug)
	t.repro, t.warnings, t.measured = nil, nil, nil
	if t.server != nil {
		t.server.newCheck()
	}
}

// measure records a figure the check measured, such as memory per
// connection, which the tester prints under the check's line whether it
// passed or not: a learner compares it with the card's, an instructor with
// last year's.
func (t *T) measure(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.measured = append(t.measured, fmt.Sprintf(format, args...))
}

// advise records w for the current check, or returns it as a failure under
// -pedantic, for learners who want the reference's exact behaviour. A check
// calls it as: if err := t.advise(w); err != nil { return err }.
func (t *T) advise(w warning) error {
	if t.pedantic {
		return &failure{Summary: w.Summary, Section: w.Section, Advised: true, Hint: w.Why}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, seen := range t.warnings {
		if seen.Summary == w.Summary && seen.Section == w.Section {
			return nil
		}
	}
	t.warnings = append(t.warnings, w)
	return nil
}

// adviseAbout is advise for a response: under -pedantic the failure shows
// the request and the response.
func (t *T) adviseAbout(req []byte, resp *response, w warning) error {
	return withExchange(t.advise(w), req, resp.raw)
}

// note prints a line under -v only: something the tester accepted that a
// learner reading the exchange should know about.
func (t *T) note(format string, args ...any) {
	if t.rep.verbose {
		t.rep.line(t.prefix, "  note: "+format, args...)
	}
}

// newRand derives a check's random source from the run's seed and the
// check's slug, so -seed reproduces a check's payloads even under -run.
func newRand(seed int64, slug string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(slug))
	return rand.New(rand.NewSource(seed ^ int64(h.Sum64())))
}

// reproduce records a shell command that repeats what the check is about to
// send, so a learner can try it by hand. The tester prints it under the
// check's result line; it must work as printed, comments included.
func (t *T) reproduce(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.repro = append(t.repro, reproLine{cmd: fmt.Sprintf(format, args...)})
}

// reproduceHTTP records a command that sends one request, with the statuses
// a correct server may answer it with.
func (t *T) reproduceHTTP(cmd string, statuses ...int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.repro = append(t.repro, reproLine{cmd: cmd, statuses: statuses})
}

// reproAddr is the address a learner's own copy of the server listens on
// when started by hand: the one given with -addr, else CodeCrafters' 4221,
// not the throwaway port the tester used.
func (t *T) reproAddr() (host, port string) {
	if t.server == nil && t.addr != "" {
		if h, p, err := net.SplitHostPort(t.addr); err == nil {
			return h, p
		}
	}
	return "localhost", codecraftersPort
}

// reproURL is the URL of target on the learner's server, for curl lines.
func (t *T) reproURL(target string) string {
	host, port := t.reproAddr()
	return "http://" + net.JoinHostPort(host, port) + target
}

// reproduceRaw records the nc command that sends exactly these bytes, and
// the statuses a correct server may answer them with.
func (t *T) reproduceRaw(b []byte, statuses ...int) {
	t.reproduceHTTP(t.ncLine(printfQuote(b)), statuses...)
}

// ncLine pipes what a printf format prints into nc: -N closes the sending
// side at the end of input, as the tester does.
func (t *T) ncLine(printfFormat string) string {
	host, port := t.reproAddr()
	return fmt.Sprintf("printf %s | nc -N %s %s", printfFormat, host, port)
}

// randomWord returns a lowercase word, for payloads a server cannot guess.
func (t *T) randomWord() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	syll := []string{"ba", "ko", "ri", "mu", "te", "zo", "pi", "ne", "la", "du", "vi", "so"}
	n := 2 + t.rng.Intn(3)
	b := make([]byte, 0, 8)
	for i := 0; i < n; i++ {
		b = append(b, syll[t.rng.Intn(len(syll))]...)
	}
	b = append(b, letters[t.rng.Intn(len(letters))])
	return string(b)
}

// randomBytes returns n bytes of noise, every byte value possible.
func (t *T) randomBytes(n int) []byte {
	b := make([]byte, n)
	t.rng.Read(b)
	return b
}
