package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxRelayLine caps how much of one line of server output is shown: a line
// longer than this is cut, with a note of how much was left out, and the
// lines after it are shown as usual.
const maxRelayLine = 2000

// maxTailLine caps each of the last lines a failure message quotes.
const maxTailLine = 300

// maxRelayedLines caps the lines of server output shown during one check
// (and before the first): a server that logs every request prints tens of
// thousands of lines in the checks that send thousands of requests, which
// would bury the verdict. The rest are counted, and -v shows them all.
const maxRelayedLines = 200

// relayReadSize is how much of a line the relay holds at once, whatever the
// line's length: output is read in pieces of at most this size.
const relayReadSize = 64 * 1024

// readLines calls emit with each line r yields, without its line ending,
// cut to at most max bytes (at a character boundary), and the number of
// bytes cut off. Memory stays bounded however long a line is, and a last
// line without a newline is emitted at end of stream.
func readLines(r io.Reader, max int, emit func(line string, cut int)) {
	br := bufio.NewReaderSize(r, relayReadSize)
	kept := make([]byte, 0, max)
	cut, pending := 0, false
	for {
		frag, err := br.ReadSlice('\n')
		pending = pending || len(frag) > 0
		complete := err == nil
		if complete {
			frag = frag[:len(frag)-1]
		}
		room := min(max-len(kept), len(frag))
		kept = append(kept, frag[:room]...)
		cut += len(frag) - room
		if complete || (err != bufio.ErrBufferFull && pending) {
			emit(trimLine(kept, &cut), cut)
			kept, cut, pending = kept[:0], 0, false
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// trimLine drops a CRLF line ending's CR and, from a line that was cut, a
// character the cut split in two, counting its bytes as cut.
func trimLine(b []byte, cut *int) string {
	if *cut == 0 {
		return strings.TrimSuffix(string(b), "\r")
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				*cut += len(b) - i
				b = b[:i]
			}
			break
		}
	}
	return string(b)
}

// relay copies one of the server's output streams to the learner, line by
// line as it comes, so that it appears next to the tester step that caused
// it: escaped, with long lines cut, and at most maxRelayedLines a check
// unless -v asks for all. It also keeps the last lines for failure
// messages.
func (s *server) relay(r io.Reader, stream *int) {
	defer s.relays.Done()
	readLines(r, maxRelayLine, func(line string, cut int) {
		text := escapeLine(line)
		if cut > 0 {
			text += fmt.Sprintf(" … (%d more bytes of this line not shown)", cut)
		}
		s.mu.Lock()
		*stream++
		s.tail = append(s.tail, shorten(text, maxTailLine))
		if len(s.tail) > 5 {
			s.tail = s.tail[1:]
		}
		s.relayed++
		shown := s.relayed <= maxRelayedLines || s.rep.verbose
		capped := s.relayed == maxRelayedLines+1 && !s.rep.verbose
		s.mu.Unlock()
		if capped {
			s.rep.line("[tester]", "your server has printed %d lines during this check; the rest of its output until the next check is not shown (-v shows it all)", maxRelayedLines)
		}
		if shown {
			s.rep.relay(s.prefix, text)
		}
	})
}

// newCheck starts a check's budget of relayed lines, and says how many
// lines of the last check were not shown.
func (s *server) newCheck() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hidden := s.relayed - maxRelayedLines; hidden > 0 && !s.rep.verbose {
		s.rep.line("[tester]", "(%d more lines of your server's output were not shown)", hidden)
	}
	s.relayed = 0
}

// shorten cuts s to at most max bytes, at a character boundary, marking the
// cut with an ellipsis.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}
