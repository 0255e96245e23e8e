package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventgraph/eventgraph/internal/jsonscan"
	"github.com/eventgraph/eventgraph/store"
)

// lineInfo is what recovery needs from a line.
type lineInfo struct {
	pos         int64
	stream      []byte // the stream id as written, between the quotes
	escaped     bool   // stream holds escape sequences
	version     int64
	typ         []byte // the event type as written, between the quotes
	typeEscaped bool   // typ holds escape sequences
	batch       int64
}

// streamName returns the stream id of a line.
func (l *lineInfo) streamName() (string, error) {
	if !l.escaped {
		return string(l.stream), nil
	}
	return unquote(l.stream)
}

// typeName returns the event type of a line.
func (l *lineInfo) typeName() (string, error) {
	if !l.typeEscaped {
		return string(l.typ), nil
	}
	return unquote(l.typ)
}

// parseLine checks one line (without its '\n') completely: the field layout, every value,
// and the checksum. When ev is not nil it also decodes the event into it; otherwise it
// allocates nothing. Errors describe the problem and the column where it was found.
func parseLine(line []byte, ev *store.Event) (lineInfo, error) {
	return parseLineWith(line, ev, nil)
}

// parseLineWith is parseLine taking the event's type and metadata keys from names, which
// may be nil.
func parseLineWith(line []byte, ev *store.Event, names *names) (lineInfo, error) {
	var info lineInfo
	n := len(line) - crcSuffixLen
	if n < 0 || !bytes.HasPrefix(line[n:], []byte(`"crc":"`)) || line[len(line)-2] != '"' || line[len(line)-1] != '}' {
		if len(line) > 0 && line[len(line)-1] == '\r' {
			// A copy through a tool that converts line endings: say so, for the operator.
			return info, errors.New(`line ends in CR LF, not LF: were the file's line endings converted?`)
		}
		if err := byteOrderMark(line); err != nil {
			return info, err
		}
		return info, errors.New(`line does not end with "crc":"<8 hex digits>"}`)
	}
	want, ok := parseHex32(line[n+len(`"crc":"`) : len(line)-2])
	if !ok {
		return info, errors.New("crc is not 8 lower-case hex digits")
	}
	if got := crc32.Checksum(line[:n], castagnoli); got != want {
		if err := byteOrderMark(line); err != nil {
			return info, err
		}
		return info, fmt.Errorf("checksum mismatch: line has %08x, content gives %08x", want, got)
	}
	p := parser{b: line[:n], names: names, trusted: ev != nil}
	var raw []byte
	var escaped bool
	ok = p.lit(`{"position":`) && p.int(&info.pos) &&
		p.lit(`,"stream":`) && p.str(&info.stream, &info.escaped) &&
		p.lit(`,"version":`) && p.int(&info.version) &&
		p.lit(`,"id":`) && p.str(&raw, &escaped) && p.into(ev, raw, escaped, fieldID) &&
		p.lit(`,"type":`) && p.str(&info.typ, &info.typeEscaped) && p.into(ev, info.typ, info.typeEscaped, fieldType) &&
		p.lit(`,"time":`) && p.time(ev) &&
		p.lit(`,"data":`) && p.data(ev) &&
		p.lit(`,"metadata":`) && p.metadata(ev) &&
		p.lit(`,"batch":`) && p.int(&info.batch) &&
		p.lit(`,`) && p.i == len(p.b)
	if !ok {
		if p.err == nil {
			p.fail("unexpected content")
		}
		return info, p.err
	}
	switch {
	case info.pos < 1:
		return info, errors.New("position is not positive")
	case info.version < 1:
		return info, errors.New("version is not positive")
	case info.batch < 1:
		return info, errors.New("batch is not positive")
	case len(info.stream) == 0:
		return info, errors.New("empty stream id")
	}
	if ev != nil {
		ev.Position = store.Position(info.pos)
		ev.Version = store.Version(info.version)
		if ev.StreamID == "" {
			name, err := info.streamName()
			if err != nil {
				return info, err
			}
			ev.StreamID = name
		}
	}
	return info, nil
}

func parseHex32(b []byte) (uint32, bool) {
	if len(b) != 8 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

const (
	fieldID = iota
	fieldType
)

// parser walks one line. Each method reports success; the first failure is kept in err.
type parser struct {
	b     []byte
	i     int
	err   error
	names *names // nil: no interning
	// trusted: the line is one recovery or Append checked, read back by a reader (the
	// checksum proves it unchanged), so strings need not be checked again.
	trusted bool
}

// maxNames bounds the strings one names keeps.
const maxNames = 256

// names interns the strings that repeat from event to event (types, metadata keys) for one
// reader, so decoding them allocates only the first time.
type names struct {
	m map[string]string
	// keys are the metadata keys of the last event, by place: the next event's are
	// most often the same, and comparing is cheaper than looking them up.
	keys [8]string
}

// key returns raw, the metadata key at place i, as a string.
func (n *names) key(i int, raw []byte) string {
	if n == nil || i >= len(n.keys) {
		return n.get(raw)
	}
	if n.keys[i] != string(raw) {
		n.keys[i] = n.get(raw)
	}
	return n.keys[i]
}

// get returns raw as a string, the interned one when there is one.
func (n *names) get(raw []byte) string {
	if n == nil {
		return string(raw)
	}
	if s, ok := n.m[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if n.m == nil {
		n.m = make(map[string]string)
	}
	if len(n.m) < maxNames {
		n.m[s] = s
	}
	return s
}

func (p *parser) fail(what string) bool {
	if p.err == nil {
		p.err = fmt.Errorf("%s at column %d", what, p.i+1)
	}
	return false
}

func (p *parser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return p.fail(fmt.Sprintf("expected %s", s))
	}
	p.i += len(s)
	return true
}

// int parses a non-negative decimal integer of at most 18 digits.
func (p *parser) int(v *int64) bool {
	start := p.i
	var n int64
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' && p.i-start < 18 {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	if p.i == start || (p.b[start] == '0' && p.i-start > 1) {
		return p.fail("expected a number")
	}
	*v = n
	return true
}

// str parses a JSON string and returns its raw contents; escaped says whether they hold
// escape sequences that must be decoded.
func (p *parser) str(raw *[]byte, escaped *bool) bool {
	b := p.b
	if p.i >= len(b) || b[p.i] != '"' {
		return p.fail("expected a string")
	}
	start := p.i + 1
	if p.trusted {
		// A checked string without escapes ends at the first quote; IndexByte finds it
		// many bytes at a time, where the loop below looks at each byte. Replay reads
		// a handful of strings per line (stream, id, type, metadata).
		if j := bytes.IndexByte(b[start:], '"'); j >= 0 && bytes.IndexByte(b[start:start+j], '\\') < 0 {
			p.i = start + j + 1
			*raw, *escaped = b[start:start+j], false
			return true
		}
	}
	i := start + jsonscan.Plain(b[start:]) // plain ASCII, 8 bytes at a time
	var high byte                          // OR of the other bytes: >= 0x80 when there is non-ASCII to check
	esc := false
	for ; i < len(b); i++ {
		c := b[i]
		high |= c
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		if c == '"' {
			break
		}
		if c < 0x20 {
			p.i = i
			return p.fail("control character in string")
		}
		esc = true
		i++ // skip the escaped character; unquote checks the escape
	}
	if i >= len(b) {
		p.i = i
		return p.fail("unterminated string")
	}
	p.i = i + 1
	*raw, *escaped = b[start:i], esc
	if esc {
		if _, err := unquote(*raw); err != nil {
			return p.fail("bad escape in string")
		}
	} else if high >= 0x80 && !utf8.Valid(*raw) {
		return p.fail("string is not valid UTF-8")
	}
	return true
}

// unquote decodes the contents of a JSON string holding escape sequences.
func unquote(raw []byte) (string, error) {
	q := make([]byte, 0, len(raw)+2)
	q = append(q, '"')
	q = append(q, raw...)
	q = append(q, '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", err
	}
	if !utf8.Valid(raw) {
		return "", errors.New("string is not valid UTF-8")
	}
	return s, nil
}

func (p *parser) into(ev *store.Event, raw []byte, escaped bool, field int) bool {
	if len(raw) == 0 {
		// The store writes neither: it refuses an empty type and makes an id when it has none.
		if field == fieldType {
			return p.fail("empty type")
		}
		return p.fail("empty event id")
	}
	if ev == nil {
		return true
	}
	switch {
	case escaped:
		s, _ := unquote(raw) // str checked it
		if field == fieldID {
			ev.ID = s
		} else {
			ev.Type = s
		}
	case field == fieldID:
		ev.ID = string(raw)
	default:
		ev.Type = p.names.get(raw)
	}
	return true
}

// time parses the fixed-width UTC time the encoder writes.
func (p *parser) time(ev *store.Event) bool {
	const n = len(timeLayout) + 2
	if len(p.b)-p.i < n {
		return p.fail("expected a time")
	}
	b := p.b[p.i : p.i+n]
	var d [9 + 6]int // year month day hour min sec + ns digits handled apart
	num := func(from, to int) (int, bool) {
		v := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	ok := b[0] == '"' && b[5] == '-' && b[8] == '-' && b[11] == 'T' && b[14] == ':' && b[17] == ':' &&
		b[20] == '.' && b[30] == 'Z' && b[31] == '"'
	fields := [...][2]int{{1, 5}, {6, 8}, {9, 11}, {12, 14}, {15, 17}, {18, 20}, {21, 30}}
	for k, f := range fields {
		if !ok {
			break
		}
		d[k], ok = num(f[0], f[1])
	}
	// A day the month lacks would read back as another (February 31 as March 3), so it is
	// damage, as the hour 24 or the second 60 are: the store writes none of them.
	if !ok || d[1] < 1 || d[1] > 12 || d[2] < 1 || d[2] > daysIn(d[1], d[0]) || d[3] > 23 || d[4] > 59 || d[5] > 59 {
		return p.fail("expected a time like " + timeLayout)
	}
	p.i += n
	if ev != nil {
		ev.Time = time.Date(d[0], time.Month(d[1]), d[2], d[3], d[4], d[5], d[6], time.UTC)
	}
	return true
}

// daysIn returns the number of days of month (1 to 12) in year, of the proleptic Gregorian
// calendar that package time uses.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// metadataField is what follows the data field. The data value may hold it too (a member
// named metadata whose value is an object), but nothing after it can: metadata values are
// strings, so a key's colon is followed by '"', and quotes inside strings are escaped. So in
// a line written by the encoder its last occurrence ends the data value.
const metadataField = `,"metadata":{`

// data takes the JSON value of the data field.
func (p *parser) data(ev *store.Event) bool {
	start := p.i
	if ev != nil {
		// Readers only read lines that recovery or Append checked (and the checksum proves
		// unchanged): find the value's end without walking it.
		end := lastMetadataField(p.b[start:])
		if end <= 0 {
			return p.fail("expected a value")
		}
		p.i = start + end
		ev.Data = bytes.Clone(p.b[start:p.i])
		return true
	}
	// Recovery checks the value once, in the pass that finds its end; readers trust what
	// recovery or Append checked.
	end, r := jsonscan.Value(p.b[start:])
	if r == jsonscan.Invalid {
		if start < len(p.b) && p.b[start] == ',' {
			return p.fail("expected a value")
		}
		return p.fail("data is not valid JSON")
	}
	// White space after the value belongs to it, as json.Valid took it when it was checked
	// on its own; the encoder writes none.
	for end += start; end < len(p.b) && strings.IndexByte(" \t\r\n", p.b[end]) >= 0; end++ {
	}
	p.i = end
	return true
}

// lastMetadataField returns the index of the last metadataField in b, or -1. It looks only
// at each '{' from the end, which finds the field at once in a well-formed line.
func lastMetadataField(b []byte) int {
	const k = len(metadataField) - 1 // index of the '{' in metadataField
	for end := len(b); ; {
		j := bytes.LastIndexByte(b[:end], '{')
		if j < k {
			return -1
		}
		if string(b[j-k:j+1]) == metadataField {
			return j - k
		}
		end = j
	}
}

// metadata parses an object whose values are strings.
func (p *parser) metadata(ev *store.Event) bool {
	if !p.lit("{") {
		return false
	}
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	var m map[string]string
	if ev != nil {
		m = make(map[string]string, 4)
		ev.Metadata = m
	}
	// Values repeat within a line (a command's id is its own correlation and causation
	// id): an equal value reuses the string decoded before.
	var seen [4]struct {
		raw []byte
		s   string
	}
	nseen, nkeys := 0, 0
	for {
		var k, v []byte
		var ke, ve bool
		if !p.str(&k, &ke) || !p.lit(":") || !p.str(&v, &ve) {
			return false
		}
		if m != nil {
			var key string
			if ke {
				key = decoded(k, ke)
			} else {
				key = p.names.key(nkeys, k)
			}
			nkeys++
			val, found := "", false
			for _, sv := range seen[:nseen] {
				if bytes.Equal(sv.raw, v) {
					val, found = sv.s, true
					break
				}
			}
			if !found {
				val = decoded(v, ve)
				if nseen < len(seen) {
					seen[nseen].raw, seen[nseen].s = v, val
					nseen++
				}
			}
			m[key] = val
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return true
		}
		if !p.lit(",") {
			return false
		}
	}
}

func decoded(raw []byte, escaped bool) string {
	if !escaped {
		return string(raw)
	}
	s, _ := unquote(raw)
	return s
}

// byteOrderMark names a line that starts with a UTF-8 byte order mark, which the store never
// writes (a line starts with {) and a tool adds when it saves the file as "UTF-8 with BOM"
// (Notepad, PowerShell 5): a plain checksum mismatch at offset 0 would leave an operator to
// cut the whole log, where removing the mark's 3 bytes restores it. It returns nil for any
// other line.
func byteOrderMark(line []byte) error {
	if !bytes.HasPrefix(line, []byte("\xef\xbb\xbf")) {
		return nil
	}
	return errors.New("line starts with a UTF-8 byte order mark (EF BB BF), which the store never writes: a tool saved the file as UTF-8 with BOM; remove those 3 bytes")
}
