package main

// The API checks: the middleware of card 5's "API middleware" section,
// CORS, rate limiting, bearer tokens and error handlers. Each needs the
// server started with flags of its own, and a server started with one
// check's flags would fail the others (a rate limit refuses the next
// check's requests, a token file every POST without a token), so each
// check restarts the server with its flags and nothing else. They run
// only with -api, after every other check of the stage: the learner's
// server must accept the flags, which the other checks never give.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Where a failed API check sends the learner.
const readAPI = "stages/05-json.md#api-middleware and docs/05-json.md#api-middleware"

// The settings the API checks give the server, as card 5 lists them. They
// are fixed, not random, so that a learner can start a server by hand
// with the same flags for -addr.
var (
	// apiOrigins are the origins of -cors-origin, twice: one with a
	// port, so that an origin is compared whole.
	apiOrigins = []string{"https://app.example", "http://localhost:5173"}
	// apiForeignOrigin starts like an allowed origin, so that a prefix
	// match lets it in.
	apiForeignOrigin = "https://app.example.attacker.test"
	// apiTokens are the lines of the token file: the second has every
	// punctuation mark a bearer token may hold (RFC 6750 §2.1).
	apiTokens = []string{"k7Q-2vX.9_zL~b", "Ada+Lovelace/1843="}
)

// The rate limit: a burst of 3, then one request a second.
const (
	apiRate  = 1
	apiBurst = 3
)

// apiFlags are the flags the API check slug starts the server with;
// tokenFile is where the token file is, for the check that needs one.
func apiFlags(slug, tokenFile string) []string {
	switch slug {
	case "api-cors":
		return []string{"--cors-origin", apiOrigins[0], "--cors-origin", apiOrigins[1]}
	case "api-rate-limit":
		return []string{"--rate", fmt.Sprint(apiRate), "--burst", fmt.Sprint(apiBurst)}
	case "api-bearer-token":
		return []string{"--token-file", tokenFile}
	case "api-error-handlers":
		return []string{"--problem-details"}
	}
	panic("no flags for " + slug)
}

// writeTokenFile writes apiTokens into dir, one a line, and returns the
// file's path.
func writeTokenFile(dir string) (string, error) {
	path := filepath.Join(dir, "tokens.txt")
	return path, os.WriteFile(path, []byte(strings.Join(apiTokens, "\n")+"\n"), 0o600)
}

func init() {
	register(
		check{stage: 5, api: true, slug: "api-cors", name: "CORS: a preflight from an allowed origin gets leave, any other origin none", read: readAPI, run: apiCORS, hints: []string{
			"Look at what your server does with an OPTIONS that carries Origin and Access-Control-Request-Method: the tester sends one from an origin given with --cors-origin, and one from an origin that only starts like it.",
			"Common slips: the origin compared as a prefix, Access-Control-Allow-Headers: * (which never covers Authorization), or the preflight answered like a plain OPTIONS, without the Access-Control-Allow-* headers.",
			"Compare Origin whole with each --cors-origin; on a match echo it in Access-Control-Allow-Origin, and on a preflight add the path's methods, Authorization and Content-Type, and a Max-Age; send Vary: Origin always.",
		}},
		check{stage: 5, api: true, slug: "api-rate-limit", name: "past its burst a client gets 429 with Retry-After, on every connection, until its bucket refills", read: readAPI, run: apiRateLimit, hints: []string{
			"Look at how your server counts requests with --rate 1 --burst 3: the tester sends four on one connection, then one on a new connection, waits a second and sends one more.",
			"The bucket is probably kept per connection (a new connection starts afresh), never refills, or counts the refused requests too; or the limit reads the flags wrongly.",
			"Keep one bucket per client IP: burst tokens at first, rate more each second up to burst, one taken per request; refuse with 429, Retry-After in seconds and a JSON error when none is left.",
		}},
		check{stage: 5, api: true, slug: "api-bearer-token", name: "with a token file, changing users needs a bearer token: 401 with WWW-Authenticate without one, 2xx with one", read: readAPI, run: apiBearerToken, hints: []string{
			"Look at how your server reads --token-file and the Authorization header: the tester writes two tokens, one a line, then sends POST, PUT and DELETE on /users with no token, a wrong one, and each of the two.",
			"Common slips: only the first line read, a token accepted when it is part of a real one, \"bearer\" refused in lower case, or a 401 without WWW-Authenticate.",
			"Split the header at its first space, compare the scheme with Bearer ignoring case and the token whole with each line of the file (in constant time); answer 401 with WWW-Authenticate: Bearer realm=\"...\" otherwise.",
		}},
		check{stage: 5, api: true, slug: "api-error-handlers", name: "with --problem-details, every error is application/problem+json: the router's, a handler's and the parser's", read: readAPI, run: apiErrorHandlers, hints: []string{
			"Look at where your server turns an error into a body: the tester asks for an unknown path, an unknown user, a wrong method, and sends a body over 1 MiB, which the parser refuses.",
			"The new shape probably reaches the handlers' errors only, and not the router's 404 and 405 or the parser's 413, which are written elsewhere; or the 405 lost its Allow.",
			"Send every error through one function that looks up the handler registered for its status; with --problem-details it answers application/problem+json with type, title, status and detail.",
		}},
	)
}

// apiChecks returns the API checks that apply to stage n, for a plan that
// has every other check of the stage before them.
func apiChecks(n int) []check {
	var out []check
	for _, c := range registry {
		if c.api && c.stage <= n {
			out = append(out, c)
		}
	}
	return out
}

// apiOn reports whether the API checks run: with -api, and when every
// stage runs against its reference, which promises to pass them all.
func (o *options) apiOn() bool {
	return o.api || (o.stage == 0 && o.dir == "" && !o.ccTrack)
}

// planned returns the checks of stage n that the run may try, the API
// checks last when they run.
func (o *options) planned(n int, strict bool) []check {
	checks := checksFor(n, strict)
	if o.apiOn() {
		checks = append(checks, apiChecks(n)...)
	}
	return checks
}

// validateAPI refuses -api where it cannot apply.
func (o *options) validateAPI() error {
	switch {
	case !o.api:
		return nil
	case o.ccTrack:
		return errors.New("-api adds the workbook's API checks to stage 5 or 6, and the CodeCrafters track has none: run -codecrafters, then -stage 5 -api")
	case o.stage != 0 && o.stage < 5:
		return fmt.Errorf("-api adds stage 5's API checks: they do not apply to stage %d; use -stage 5 or 6", o.stage)
	}
	return nil
}

// validateAPIAddr refuses -api with -addr when more than one API check
// would run: the tester cannot restart a server it did not start, and each
// check needs its own flags.
func (o *options) validateAPIAddr() error {
	if !o.api || o.addr == "" {
		return nil
	}
	var chosen, lines []string
	for _, c := range apiChecks(o.stage) {
		lines = append(lines, fmt.Sprintf("  -run '^%s$' with a server started with: %s", c.slug, strings.Join(apiFlags(c.slug, "FILE"), " ")))
		if o.run == nil || o.run.MatchString(c.slug) {
			chosen = append(chosen, c.slug)
		}
	}
	if len(chosen) <= 1 {
		return nil
	}
	return fmt.Errorf("-api with -addr: the tester cannot restart your server with each API check's flags, so choose one check with -run and start the server with its flags (FILE holds the two tokens of card 5):\n%s", strings.Join(lines, "\n"))
}

// apiServerNote is the first line a check prints to repeat it by hand: a
// comment that says how to start the server.
func apiServerNote(slug string) string {
	note := "# start the server with " + strings.Join(apiFlags(slug, "tokens.txt"), " ")
	if slug == "api-bearer-token" {
		note += ", where tokens.txt holds two lines: " + strings.Join(apiTokens, " and ")
	}
	return note + " (card 5, API middleware)"
}

// withFlags runs fn against the server started afresh with the flags of
// the check slug, after those the run's server got. The server it replaces
// is stopped first, so that a server that ignores PORT can have 4221
// again. With -addr, fn runs against that server, which the learner
// started with the check's flags.
func (t *T) withFlags(slug string, fn func() error) error {
	if t.server == nil {
		return fn()
	}
	dir, err := os.MkdirTemp("", "httpworkbook-api-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tokenFile, err := writeTokenFile(dir)
	if err != nil {
		return err
	}
	flags := apiFlags(slug, tokenFile)
	t.server.stop()
	t.reproduce("%s", apiServerNote(slug))
	spec := t.server.spec
	spec.argv = append(slices.Clone(spec.argv), flags...)
	port, err := freePort()
	if err != nil {
		return err
	}
	srv, err := startServer(t.rep, spec, port)
	if err != nil {
		return err
	}
	defer context.AfterFunc(t.ctx, srv.stop)()
	main, mainAddr := t.server, t.addr
	t.server = srv
	defer func() { t.server, t.addr = main, mainAddr }()

	if t.addr, err = srv.waitListening(t.ctx, port, t.listen.wait, t.listen.probe4221); err != nil {
		srv.stop()
		f := asFailure(err)
		f.Detail = strings.TrimSuffix("the tester started your server again with "+strings.Join(flags, " ")+", for this check alone. "+capitalise(f.Detail), " ")
		f.Hint = "the API checks start your server with the flags of card 5's API middleware section: accept --cors-origin (repeatable), --rate, --burst, --token-file and --problem-details"
		return f
	}
	err = fn()
	srv.stop()
	if err == nil && srv.leftover != nil {
		return srv.leftover
	}
	return err
}
