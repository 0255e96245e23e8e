package graph

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// maxParamsDepth bounds the nesting decodeParams follows; deeper bodies are left to
// encoding/json, which refuses them past its own limit.
const maxParamsDepth = 64

// decodeParams decodes a POST body into p as gqlgen's POST transport does (encoding/json
// with UseNumber, into graphql.RawParams), for the bodies clients send: one JSON object
// whose keys are spelled exactly query, operationName, variables and extensions, each at
// most once, with strings or null, and objects or null, as values. It reports false for
// anything else (other keys or spellings, which encoding/json matches case-insensitively
// or ignores; a string with invalid UTF-8 or an escaped surrogate, which it repairs; a
// wrong type, bad JSON, text after the object, nesting deeper than maxParamsDepth), and
// the caller then leaves the body to gqlgen, so that every such body gets gqlgen's answer.
//
// Why: encoding/json decodes into interfaces by reflection, and a mutation's body cost more
// to decode that way than its variables cost to check. FuzzDecodeParams holds the two to
// the same results.
func decodeParams(body []byte, p *graphql.RawParams) bool {
	d := paramDecoder{b: body}
	d.space()
	if !d.eat('{') {
		return false
	}
	var seen uint8
	d.space()
	if d.eat('}') {
		d.space()
		return d.i == len(d.b)
	}
	for {
		key, ok := d.plainKey()
		if !ok {
			return false
		}
		d.space()
		if !d.eat(':') {
			return false
		}
		d.space()
		var bit uint8
		switch string(key) {
		case "query":
			bit = 1
			p.Query, ok = d.stringOrNull()
		case "operationName":
			bit = 2
			p.OperationName, ok = d.stringOrNull()
		case "variables":
			bit = 4
			p.Variables, ok = d.objectOrNull()
		case "extensions":
			bit = 8
			p.Extensions, ok = d.objectOrNull()
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		d.space()
		if d.eat(',') {
			d.space()
			continue
		}
		if !d.eat('}') {
			return false
		}
		d.space()
		return d.i == len(d.b)
	}
}

// paramDecoder reads JSON from b at i.
type paramDecoder struct {
	b     []byte
	i     int
	depth int
}

func (d *paramDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat consumes c if it is next.
func (d *paramDecoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// literal consumes word if it is next.
func (d *paramDecoder) literal(word string) bool {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

// plainKey reads a string without escapes and returns its bytes (not copied).
func (d *paramDecoder) plainKey() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
		d.i++
	}
	return nil, false
}

func (d *paramDecoder) stringOrNull() (string, bool) {
	if d.literal("null") {
		return "", true
	}
	if d.i < len(d.b) && d.b[d.i] == '"' {
		return d.str()
	}
	return "", false
}

func (d *paramDecoder) objectOrNull() (map[string]any, bool) {
	if d.literal("null") {
		return nil, true
	}
	if d.i < len(d.b) && d.b[d.i] == '{' {
		return d.object()
	}
	return nil, false
}

// value reads any JSON value as encoding/json decodes it into an interface with
// UseNumber.
func (d *paramDecoder) value() (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	}
	return nil, false
}

// object reads an object into a new map (later duplicates win, as with encoding/json).
func (d *paramDecoder) object() (map[string]any, bool) {
	d.depth++
	if d.depth > maxParamsDepth {
		return nil, false
	}
	d.i++ // '{'
	m := make(map[string]any)
	d.space()
	if d.eat('}') {
		d.depth--
		return m, true
	}
	for {
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if !d.eat(':') {
			return nil, false
		}
		d.space()
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		m[k] = v
		more, ok := d.next('}')
		if !ok {
			return nil, false
		}
		if !more {
			return m, true
		}
	}
}

// array reads an array into a new slice, empty but not nil for [] (as with encoding/json).
func (d *paramDecoder) array() ([]any, bool) {
	d.depth++
	if d.depth > maxParamsDepth {
		return nil, false
	}
	d.i++ // '['
	a := make([]any, 0)
	d.space()
	if d.eat(']') {
		d.depth--
		return a, true
	}
	for {
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		more, ok := d.next(']')
		if !ok {
			return nil, false
		}
		if !more {
			return a, true
		}
	}
}

// next reads what follows a container's member: a comma (more follow) or closer (the
// container ends, and with it one level of depth); anything else is not ok.
func (d *paramDecoder) next(closer byte) (more, ok bool) {
	d.space()
	if d.eat(',') {
		d.space()
		return true, true
	}
	if !d.eat(closer) {
		return false, false
	}
	d.depth--
	return false, true
}

// number reads a number in JSON's grammar, kept as written.
func (d *paramDecoder) number() (json.Number, bool) {
	start := d.i
	d.eat('-')
	switch {
	case d.eat('0'):
	case d.digits() == 0:
		return "", false
	}
	if d.eat('.') && d.digits() == 0 {
		return "", false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if d.digits() == 0 {
			return "", false
		}
	}
	return json.Number(d.b[start:d.i]), true
}

func (d *paramDecoder) digits() int {
	start := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

// str reads a string. It refuses invalid UTF-8 and escaped surrogates, which encoding/json
// replaces with U+FFFD rather than refuses.
func (d *paramDecoder) str() (string, bool) {
	d.i++ // '"'
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return "", false
}

// escaped finishes a string that started at start and has an escape at d.i.
func (d *paramDecoder) escaped(start int) (string, bool) {
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", false
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok || 0xD800 <= r && r < 0xE000 {
				return "", false
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

// hex4 reads the four hex digits of a \u escape.
func (d *paramDecoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}
