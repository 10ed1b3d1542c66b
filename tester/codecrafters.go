package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"

	"httpworkbook/stages"
)

// This file is the CodeCrafters track, -codecrafters: the 14 stages of
// CodeCrafters' "Build your own HTTP server" challenge, in its order, with
// its slugs and names, judged as its tester judges them today; then the
// workbook's checks of what real clients need and the course never tries,
// which only warn. A learner who finished the course sees first that this
// tester agrees with CodeCrafters', then what the course left out.

// trackPrefix starts the track's own lines, as [stage-N] starts a stage's.
const trackPrefix = "[codecrafters]"

// trackName is the track's name in the report and the -json "track" field.
const trackName = "codecrafters"

// trackReference is the stage whose reference solution the track tests when
// no server is named: stage 5's is a complete solution of the challenge.
const trackReference = 5

// trackEntry is one check of the track, with what -list says it requires.
type trackEntry struct {
	check
	requires string
}

// Where a failed stage of the track sends the learner: chapter 5's table of
// the 14 stages, then the chapter that teaches what the stage asks.
const (
	readCCTable     = "docs/05-json.md#the-codecrafters-challenge-all-14-stages"
	readCCBind      = readCCTable + " and docs/01-echo.md#port-and-4221"
	readCCBase      = readCCTable + " and docs/02-parse.md#the-anatomy-of-an-http11-message"
	readCCConc      = readCCTable + " and docs/01-echo.md#a-goroutine-per-connection"
	readCCFiles     = readCCTable + " and docs/04-params.md#lesson-2-the-file-system"
	readCCEncodings = readCCTable + " and docs/05-json.md#reading-accept-encoding"
	readCCGzip      = readCCTable + " and docs/05-json.md#gzip-and-vary"
	readCCKeep      = readCCTable + " and docs/02-parse.md#keep-alive-and-pipelining"
)

// codecraftersStages are CodeCrafters' stages in its order: the base
// challenge, then its compression and persistent-connections extensions.
// Each runs with CodeCrafters' rules (ccRules); where CodeCrafters sends
// what a workbook check sends, the track runs that check.
var codecraftersStages = []trackEntry{
	{check{slug: "at4", name: "Bind to a port", always: true, read: readCCBind, run: bind},
		"a TCP connection to the server succeeds (on PORT, or on 4221)"},
	{check{slug: "ia4", name: "Respond with 200", read: readCCBase, run: ccRules(ccRoot)},
		"GET / gets the status line HTTP/1.1 200 OK"},
	{check{slug: "ih0", name: "Extract URL path", read: readCCBase, run: ccRules(notFound)},
		"GET /{random} gets HTTP/1.1 404 Not Found"},
	{check{slug: "cn2", name: "Respond with body", read: readCCBase, run: ccRules(echoPath)},
		"GET /echo/{word} gets 200, Content-Type: text/plain, Content-Length and the word"},
	{check{slug: "fs3", name: "Read header", read: readCCBase, run: ccRules(userAgent)},
		"GET /user-agent gets 200, text/plain, the User-Agent header's value"},
	{check{slug: "ej5", name: "Concurrent connections", read: readCCConc, run: ccRules(ccConcurrent)},
		"connections opened together and used last first, then a fresh set in order, are all answered"},
	{check{slug: "ap6", name: "Return a file", read: readCCFiles, run: ccRules(ccFileGet)},
		"GET /files/{name} gets 200, application/octet-stream and the file; a missing file 404"},
	{check{slug: "qv8", name: "Read request body", read: readCCFiles, run: ccRules(ccFilePost)},
		"POST /files/{name} gets HTTP/1.1 201 Created and the body is in the file"},
	{check{slug: "df4", name: "Compression headers", read: readCCEncodings, run: ccRules(ccEncodings("gzip", "invalid-encoding"))},
		"Accept-Encoding: gzip gets Content-Encoding: gzip; an unknown coding gets none"},
	{check{slug: "ij8", name: "Multiple compression schemes", read: readCCEncodings, run: ccRules(ccEncodings("encoding-1, gzip, encoding-2", "encoding-1, encoding-2"))},
		"a list with gzip gets Content-Encoding: gzip; a list without gets none"},
	{check{slug: "cr8", name: "Gzip compression", read: readCCGzip, run: ccRules(ccGzip)},
		"the body gunzips to the word; Content-Length is the compressed length"},
	{check{slug: "ag9", name: "Persistent connections", read: readCCKeep, run: ccRules(keepAlive)},
		"several requests on one connection, which stays open"},
	{check{slug: "ul1", name: "Concurrent persistent connections", read: readCCKeep, run: ccRules(ccConcurrentPersistent)},
		"several connections, each reused, last first and then in order"},
	{check{slug: "kh7", name: "Connection closure", read: readCCKeep, run: ccRules(ccClosure)},
		"a request with Connection: close gets Connection: close, and the connection closes"},
}

// clientsLabel starts the lines of the real-client checks.
const clientsLabel = "clients"

// realClientChecks are the workbook's checks of what curl, browsers and
// HTTP libraries need and CodeCrafters never tries, the few a solution
// that passes the course fails most often. Their failures are warnings
// (advice), which -pedantic makes failures. The most likely to crash a
// server run last, so that the others still get an answer.
var realClientChecks = []trackEntry{
	{check{slug: "clients-length", name: "an answer without a body says Content-Length: 0, so that a client knows where it ends", read: readFraming,
		run: shortWait(asAdvice(rfcMode, "RFC 9112 §6.3", whyLength, rootOK, notFound))},
		"GET / and a 404 say where they end (RFC 9112 §6.3)"},
	{check{slug: "clients-gzip", name: "gzip as clients ask for it: any case, q-values, and Vary", read: readGzip,
		run: asAdvice(ccFraming, "RFC 9110 §12.5.3", whyGzip, gzipEcho)},
		"GZIP;q=0.5 is gzip, gzip;q=0 is not, Vary: Accept-Encoding (RFC 9110 §12.5.3, §12.5.5)"},
	{check{slug: "clients-binary", name: "files of any bytes are served and stored unchanged", read: readFiles,
		run: asAdvice(ccFraming, "RFC 9110 §6.4", whyBinary, filesGet, filesPost)},
		"random bytes, not UTF-8, read and written as they are (RFC 9110 §6.4)"},
	{check{slug: "clients-traversal", name: "nothing outside --directory can be read or written", read: readFiles,
		run: asAdvice(ccFraming, "RFC 9110 §17.3", whyTraversal, filesTraversal)},
		"no .., encoded slash, absolute path or symlink leaves the directory (RFC 9110 §17.3)"},
	{check{slug: "clients-pipelining", name: "two requests in one write, answered in order", read: readKeepAlive,
		run: asAdvice(ccFraming, "RFC 9112 §9.3.2", whyPipelining, pipelined)},
		"both requests of one read are answered (RFC 9112 §9.3.2)"},
	{check{slug: "clients-large-body", name: "a request body of a few KiB is read whole, and the connection goes on", read: readFraming,
		run: asAdvice(ccFraming, "RFC 9112 §6.3", whyLargeBody, postBodyConsumed)},
		"a body of a few KiB is read by its Content-Length, over several reads (RFC 9112 §6.3)"},
	{check{slug: "clients-fragments", name: "a request that arrives in many small pieces", read: readFraming,
		run: asAdvice(ccFraming, "RFC 9112 §2.2", whyFragments, byteAtATime)},
		"a request sent a byte at a time is parsed whole (RFC 9112 §2.2)"},
}

// Why each real-client check is advice here, for its warnings: what
// CodeCrafters does not try, and what real clients do.
const (
	whyLength     = "CodeCrafters reads a body by Content-Length only and takes none without it; curl, browsers and HTTP libraries read a body without Content-Length until the connection closes, so on a kept-alive connection they wait until they time out: send Content-Length: 0"
	whyGzip       = "CodeCrafters sends only a lowercase gzip with no q-value; clients send codings in any case with weights (gzip;q=0 refuses gzip), and caches rely on Vary: Accept-Encoding"
	whyBinary     = "CodeCrafters' files are text; an image or an archive holds bytes that are not UTF-8: read and write files as bytes, never decoded as text"
	whyTraversal  = "CodeCrafters never asks for a name outside the directory, but anyone who can reach the server can: resolve the name inside --directory and refuse what leaves it"
	whyPipelining = "CodeCrafters waits for each answer before it sends the next request; a client may send several at once, and TCP may deliver them in one read: parse each request from what was read, and keep the rest for the next"
	whyLargeBody  = "CodeCrafters' bodies fit in one read; a body of a few KiB arrives over several: read Content-Length bytes of body, however many reads that takes"
	whyFragments  = "CodeCrafters writes each request at once; TCP may deliver a request in any number of reads (a slow network, a large header): read until the blank line that ends the head"
)

// trackChecks is the track's plan before -run narrows it: the 14 stages,
// then the real-client checks.
func trackChecks() []check {
	var out []check
	for _, group := range [][]trackEntry{codecraftersStages, realClientChecks} {
		for _, e := range group {
			c := e.check
			c.label = c.slug
			if strings.HasPrefix(c.slug, clientsLabel+"-") {
				c.label = clientsLabel
			}
			out = append(out, c)
		}
	}
	return out
}

// validateTrack refuses what does not combine with -codecrafters.
func (o *options) validateTrack() error {
	if !o.ccTrack {
		return nil
	}
	switch {
	case o.stage != 0:
		return fmt.Errorf("-codecrafters runs CodeCrafters' own 14 stages, which are not the workbook's stages: drop -stage %d (after the track, -stage 5 -strict tries what the course never does)", o.stage)
	case o.watch:
		return errors.New("-watch follows the workbook's stages, one after another, and the CodeCrafters track is one run: drop -watch, or drop -codecrafters to watch your stage")
	case o.strict:
		return errors.New("-strict adds the workbook's strict checks to one of its stages, and the CodeCrafters track has none: run -codecrafters, then -stage 5 -strict")
	case o.addr != "" && o.files == "":
		return errors.New("-codecrafters with -addr needs -directory: the directory that server serves files from (stages ap6, qv8, ul1, kh7), where the tester puts its files")
	}
	return nil
}

// trackRunSelects refuses a -run pattern that names no check of the track.
func trackRunSelects(re *regexp.Regexp) error {
	if selects(trackChecks(), re) {
		return nil
	}
	var slugs []string
	for _, c := range trackChecks() {
		slugs = append(slugs, c.slug)
	}
	return fmt.Errorf("-run %q matches no check of the CodeCrafters track; the slugs are: %s", re, strings.Join(slugs, ", "))
}

// listTrack prints the track's checks: slug, name and what each requires.
func listTrack(w io.Writer) int {
	groups := []struct {
		title   string
		entries []trackEntry
	}{
		{fmt.Sprintf("CodeCrafters' HTTP server challenge (-codecrafters): its %d stages, judged as its tester judges them", len(codecraftersStages)), codecraftersStages},
		{fmt.Sprintf("then %d checks of what real clients need and the course never tries, which only warn (-pedantic makes them failures)", len(realClientChecks)), realClientChecks},
	}
	for _, g := range groups {
		fmt.Fprintln(w, g.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  slug\tname\trequires")
		for _, e := range g.entries {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.slug, e.name, e.requires)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	return 0
}

// runTrack runs the track as one stage of the report, against the server
// the options name or stage 5's reference, which CodeCrafters' tester
// passes. The server gets --directory for the whole run, so one process
// serves every stage.
func runTrack(ctx context.Context, o *options, rep *reporter, result *report) (*report, error) {
	result.Track = trackName
	st, err := stages.Get(trackReference)
	if err != nil {
		return result, err
	}
	st.Title = "CodeCrafters' HTTP server challenge"
	rep.line(trackPrefix, "its %d stages, each judged as CodeCrafters' tester judges it (the whole status line, header values compared whole, bodies read by Content-Length only); then %d checks of what real clients need that the course never tries, which only warn",
		len(codecraftersStages), len(realClientChecks))
	res, err := runStage(ctx, o, rep, st, false)
	if res == nil {
		return result, err
	}
	res.Stage = 0 // the track is none of the workbook's stages
	for i := range res.Checks {
		res.Checks[i].Stage = 0 // the check made after every run included
	}
	result.add(*res)
	if err == nil && res.Passed {
		printTrackNext(rep, o, res)
	}
	return result, err
}

// printTrackNext says, after a track that passed, what CodeCrafters would
// say, what the warnings mean, and where to go next.
func printTrackNext(rep *reporter, o *options, res *stageResult) {
	ran, warned := 0, ""
	for _, c := range res.Checks {
		switch {
		case !strings.HasPrefix(c.Slug, clientsLabel+"-"):
			ran++
		case len(c.Warnings) > 0 && warned == "":
			warned = c.Slug
		}
	}
	if ran == len(codecraftersStages) {
		rep.line(trackPrefix, "CodeCrafters' tester would pass all %d stages", ran)
	} else {
		rep.line(trackPrefix, "CodeCrafters' tester would pass the %d of its stages that ran", ran)
	}
	if warned != "" {
		rep.line(trackPrefix, "the warnings are what real clients trip on and the course never tries; to see one's exchange: go run ./tester %s -pedantic -run '^%s$'", o.rerunFlags(stages.Stage{}), warned)
	}
	next := *o
	next.ccTrack, next.strict, next.pedantic = false, true, false
	st, _ := stages.Get(trackReference)
	rep.line(trackPrefix, "next: go run ./tester %s tries what the course never does (malformed, oversized and incomplete requests); the workbook's stages also ask for 405 and HEAD (stage 3) and a JSON users API (stage 5), which go beyond the course", next.rerunFlags(st))
}
