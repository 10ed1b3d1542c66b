package main

import (
	"fmt"
	"strings"

	"httpworkbook/stages"
)

// regression is one usual way a stage's change breaks what the earlier
// stages built: a name a learner can search the chapter for, and what goes
// wrong.
type regression struct {
	name, what string
}

// regressions are, for a stage, its usual regressions. When a check of an
// earlier stage fails while that stage is tested, the check's own hints
// look in the wrong place: the learner's code for it passed before, and
// what changed since is most likely the cause.
var regressions = map[int][]regression{
	6: {
		{"accept until EAGAIN", acceptUntilEAGAIN[len("accept until EAGAIN: "):]},
		{"read until EAGAIN under edge triggering", "a connection whose socket was not read empty is not reported again, so a request that came with another, or the rest of one, waits for ever (docs/06-epoll.md#read-until-eagain-but-not-for-ever)"},
		{"a deadline lost when output is pending", "while an answer waits for the client to read it, the connection keeps its write deadline; replaced by the header timeout because more requests are buffered, or by none, it cuts the client or strands it (docs/06-epoll.md#timeouts-a-connection-limit-and-the-503)"},
	},
}

// noteRegression tells f, the failure of a check of stage from, that it
// happened while stage was tested, with stage's usual regressions.
func noteRegression(f *failure, from, stage int) {
	f.Regression = fmt.Sprintf("this is a check of stage %d, which stage %d keeps: what you changed for stage %d most likely broke it", from, stage, stage)
	for _, r := range regressions[stage] {
		f.LikelyCauses = append(f.LikelyCauses, r.name+": "+r.what)
	}
}

// hintsAt returns the hints of the check slug when it failed while stage
// st was tested: st's usual regressions first when the check is an earlier
// stage's, then the check's own.
func hintsAt(st stages.Stage, slug string) []string {
	c, ok := findCheck(slug)
	if !ok {
		return nil
	}
	var hints []string
	if c.stage > 0 && c.stage < st.Number {
		for _, r := range regressions[st.Number] {
			hints = append(hints, fmt.Sprintf("This check of stage %d passed before stage %d, whose change most likely broke it; a usual cause, %s: %s.", c.stage, st.Number, r.name, strings.TrimSuffix(r.what, ".")))
		}
	}
	return append(hints, c.hints...)
}
