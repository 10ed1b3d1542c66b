package main

import (
	"fmt"
	"strings"
)

// longPart is how long the method or the target of parserRefusals' long
// request lines is: twice the card's 8 KiB limit on a head, and small
// enough that a server reading its head in one buffer gets it whole.
const longPart = 16 << 10

// parserErrorsJSON sends a request for each refusal of the parser, each on
// a connection of its own, and requires its card's status and, whatever the
// status, stage 5's error body: the parser's errors are the API's errors.
func parserErrorsJSON(t *T) error {
	return t.badInputs(jsonRefusals(t.parserRefusals()))
}

// parserRefusals are the bad inputs that each make the parser refuse a
// request, one for each status it refuses with: 400, 413, 414, 431, 501 and
// 505. Stage 2's strict checks send the same, and judge only the status.
func (t *T) parserRefusals() []badInput {
	host, port := t.reproAddr()
	long := func(line string, letter byte) string {
		return fmt.Sprintf(`printf '%s\r\nHost: localhost\r\n\r\n' "$(head -c %d /dev/zero | tr '\0' %c)" | nc -N %s %s`, line, longPart, letter, host, port)
	}
	return []badInput{
		noVersion,
		{what: "a Content-Length over the 1 MiB limit, its body not sent", req: "POST /users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n",
			answers: []answer{refuse(413, false, "RFC 9110 §15.5.14")}},
		{what: fmt.Sprintf("a %d-byte target", longPart), req: "GET /" + strings.Repeat("a", longPart) + " HTTP/1.1\r\nHost: localhost\r\n\r\n",
			repro: long("GET /%s HTTP/1.1", 'a'), answers: []answer{refuse(414, false, "RFC 9112 §3"), longTargetServed}},
		{what: fmt.Sprintf("a %d-byte Cookie header", longPart), req: "GET / HTTP/1.1\r\nHost: localhost\r\nCookie: " + strings.Repeat("a=b; ", longPart/5) + "\r\n\r\n",
			repro: t.cookieLine(longPart / 5), answers: []answer{
				{want: want{code: 431}, section: "RFC 9110 §5.4"},
				{want: want{code: 400}, section: "RFC 9110 §5.4", advice: &tooLargeNot431},
				{want: want{code: 200}, section: "RFC 9110 §5.4"}, // served: no refusal to judge; header-too-large-431 warns
			}},
		{what: fmt.Sprintf("a %d-byte method", longPart), req: strings.Repeat("A", longPart) + " / HTTP/1.1\r\nHost: localhost\r\n\r\n",
			repro: long("%s / HTTP/1.1", 'A'), answers: []answer{refuse(501, false, "RFC 9112 §3"), longMethodRefused(400), longMethodRefused(405), longMethodRefused(431)}},
		unknownCoding,
		http2Version,
	}
}

// longTargetServed is the answer of a server that parses a 16 KiB target,
// which no route has: RFC 9112 §3 asks a server to take at least 8,000
// octets of request line, and lets it take more. A server that refuses
// the target must say 414, which is what the check holds it to.
var longTargetServed = answer{want: want{code: 404}, section: "RFC 9112 §3", advice: &warning{
	Summary: fmt.Sprintf("a %d-byte target was parsed and routed (404), not refused", longPart),
	Section: "RFC 9112 §3",
	Why:     "how long a target a server parses is its choice (at least 8,000 octets), but a refusal must then be 414; the card's reference limits a head to 8 KiB and answers 414",
}}

// longMethodRefused is the answer of a server that refuses a method longer
// than any it implements with code: a refusal all the same, where RFC 9112
// §3 advises 501.
func longMethodRefused(code int) answer {
	a := refuse(code, false, "RFC 9112 §3")
	a.advice = &warning{
		Summary: fmt.Sprintf("a method longer than any the server implements was refused with %s", statusLine(code)[9:]),
		Section: "RFC 9112 §3",
		Why:     "a server should answer a method longer than any it implements with 501 Not Implemented, which says that it lacks the method; the card's reference does",
	}
	return a
}

// jsonRefusals is cases with every answer made to carry, when it refuses,
// stage 5's JSON error body.
func jsonRefusals(cases []badInput) []badInput {
	out := make([]badInput, len(cases))
	for i, bc := range cases {
		bc.answers = append([]answer(nil), bc.answers...)
		for j := range bc.answers {
			bc.answers[j].jsonError = true
		}
		out[i] = bc
	}
	return out
}
