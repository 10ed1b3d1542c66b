package main

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand"
	"net"
	"sort"
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
	read   string // where to read when it fails, relative to the repository
	run    func(t *T) error
}

// registry holds every check, in the order the stage files register them.
var registry []check

// register adds checks at package initialisation; each stage's file calls it
// once, so the order of a stage's checks is the order of its list.
func register(cs ...check) { registry = append(registry, cs...) }

// checksFor returns, in order, the checks that apply when testing stage n:
// every earlier stage's checks still in force, then stage n's own.
func checksFor(n int, strict bool) []check {
	var out []check
	for _, c := range registry {
		if c.stage > n || (c.until != 0 && c.until < n) || (c.strict && !strict) {
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
	Detail  string `json:"detail,omitempty"`
	Sent    []byte `json:"sent,omitempty"`
	Got     []byte `json:"received,omitempty"`
	Want    []byte `json:"expected,omitempty"`
	Diff    string `json:"difference,omitempty"`
	Hint    string `json:"hint,omitempty"`
}

func (f *failure) Error() string { return f.Summary }

// MarshalJSON writes the exchanged bytes as JSON strings rather than the
// base64 encoding/json gives []byte, so a CI log shows them readably.
func (f *failure) MarshalJSON() ([]byte, error) {
	type plain failure // the same fields, without this method
	return json.Marshal(struct {
		*plain
		Sent string `json:"sent,omitempty"`
		Got  string `json:"received,omitempty"`
		Want string `json:"expected,omitempty"`
	}{(*plain)(f), string(f.Sent), string(f.Got), string(f.Want)})
}

// T is what a check runs with: where the server is, a random source seeded
// for this check alone, and ways to report progress.
type T struct {
	ctx     context.Context
	addr    string
	files   string // the directory the server was given with --directory
	rng     *rand.Rand
	rep     *reporter
	prefix  string
	timeout time.Duration // how long any one read may wait
	repro   []string
	server  *server // nil when testing a server started by someone else
}

// newRand derives a check's random source from the run's seed and the
// check's slug, so -seed reproduces a check's payloads even under -run.
func newRand(seed int64, slug string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(slug))
	return rand.New(rand.NewSource(seed ^ int64(h.Sum64())))
}

// reproduce records a shell command that sends what the check is about to
// send, so a learner can try it by hand. The tester prints it under the
// check's result line.
func (t *T) reproduce(format string, args ...any) {
	t.repro = append(t.repro, fmt.Sprintf(format, args...))
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

// reproduceRaw records the nc command that sends exactly these bytes.
func (t *T) reproduceRaw(b []byte) {
	host, port := t.reproAddr()
	t.reproduce("printf %s | nc -N %s %s", printfQuote(b), host, port)
}

// fail builds a failure for the current check.
func (t *T) fail(format string, args ...any) *failure {
	return &failure{Summary: fmt.Sprintf(format, args...)}
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
