package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPrintFailureShowsWarnings: the warnings a check raised before it
// failed are printed with the failure, since they often say what the
// server chose that led to it.
func TestPrintFailureShowsWarnings(t *testing.T) {
	var out strings.Builder
	rep := &reporter{w: &out}
	c := check{stage: 5, slug: "events-stream", name: "GET /events streams"}
	w := warning{Summary: "the event stream runs to the close", Section: "stages/05-json.md#server-sent-events", Why: "correct HTTP, but the connection ends with it"}
	printFailure(rep, "[stage-5]", c, &failure{Summary: "no event within 1s"}, nil, []warning{w})
	got := out.String()
	assert.Contains(t, got, "✗ GET /events streams")
	assert.Contains(t, got, "warning: the event stream runs to the close (stages/05-json.md#server-sent-events)")
	assert.Contains(t, got, "correct HTTP, but the connection ends with it")
	assert.Less(t, strings.Index(got, "warning:"), strings.Index(got, "no event within 1s"), "the warning comes before the failure it led to")
}
