package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxDumped caps how many bytes of a body that is not text are shown in
// hex: enough to recognise a gzip or zlib header, a UTF-16 mark or a short
// binary answer, not so much that it floods a terminal.
const maxDumped = 256

// showMessage renders a message for the failure report. The head, up to the
// blank line, is escaped line by line with every \r\n visible; so is the
// body while it is text. From a body's first byte that is not printable
// text on (from its start, if that byte is among the first 16), the rest is
// a hex dump, offset, hex and ASCII, since escapes mixed with stray UTF-8
// cannot be read.
func showMessage(b []byte) []string {
	headEnd := bytes.Index(b, []byte("\r\n\r\n"))
	if headEnd < 0 {
		headEnd = 0
	} else {
		headEnd += 4
	}
	head, body := b[:headEnd], b[headEnd:]
	text := firstUnprintable(body)
	if len(head)+text >= maxShown || text == len(body) {
		return escapeBytes(b)
	}
	if text < 16 {
		text = 0 // a few printable bytes are a binary format's magic ("x\x9c", "PK\x03\x04"): dump them too
	}
	var lines []string
	if len(head)+text > 0 {
		lines = escapeBytes(b[:len(head)+text])
	}
	rest := body[text:]
	lines = append(lines, fmt.Sprintf("(the body is not text from its byte %d on; %d bytes in hex:)", text, len(rest)))
	lines = append(lines, hexDump(rest[:min(len(rest), maxDumped)], text)...)
	if len(rest) > maxDumped {
		lines = append(lines, fmt.Sprintf("… (%d more bytes not shown)", len(rest)-maxDumped))
	}
	return lines
}

// firstUnprintable returns the index of the first byte of b that is not
// printable text: invalid UTF-8, or a control character other than tab, CR
// and LF. It returns len(b) when there is none.
func firstUnprintable(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size == 1) || (r < 0x20 && r != '\t' && r != '\r' && r != '\n') || r == 0x7f {
			return i
		}
		i += size
	}
	return len(b)
}

// hexDump renders b as lines of 16 bytes, in the layout of hexdump -C: the
// offset (counted from base), the bytes in hex, and the printable ASCII.
func hexDump(b []byte, base int) []string {
	var lines []string
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		var hx, ascii strings.Builder
		for i := 0; i < 16; i++ {
			if i == 8 {
				hx.WriteByte(' ')
			}
			if i >= len(row) {
				hx.WriteString("   ")
				continue
			}
			fmt.Fprintf(&hx, "%02x ", row[i])
			if row[i] >= 0x20 && row[i] < 0x7f {
				ascii.WriteByte(row[i])
			} else {
				ascii.WriteByte('.')
			}
		}
		lines = append(lines, fmt.Sprintf("%08x  %s |%s|", base+off, hx.String(), ascii.String()))
	}
	return lines
}
