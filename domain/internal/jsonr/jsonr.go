// Package jsonr reads back the compact JSON that json.Marshal writes (and jsonw appends),
// for decoders with a fast path. A Reader accepts exactly that form and nothing else:
// members in the order the decoder names them, no white space, strings without escape
// sequences. Anything else it reports as a mismatch, and the caller decodes the value
// with encoding/json instead; so what a Reader accepts it decodes as json.Unmarshal would.
//
// Replaying a log decodes every event once; encoding/json's reflection, and its first pass
// checking the whole value, were most of that time.
package jsonr

import (
	"bytes"
	"unicode/utf8"
)

// Reader reads one JSON value. A mismatch sticks: every later call does nothing and
// returns zero values, and Done reports false.
type Reader struct {
	b  []byte
	i  int
	ok bool
}

// New returns a Reader of b.
func New(b []byte) Reader { return Reader{b: b, ok: true} }

// Done reports whether the whole input was read without a mismatch.
func (r *Reader) Done() bool { return r.ok && r.i == len(r.b) }

// Lit reads s exactly: punctuation and member names, such as `{"id":` or `,"name":`.
func (r *Reader) Lit(s string) {
	if !r.ok || len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		r.ok = false
		return
	}
	r.i += len(s)
}

// String reads a string of valid UTF-8 without escape sequences: json.Unmarshal's result
// is then its bytes as they are.
func (r *Reader) String() string { return string(r.StringBytes()) }

// StringBytes reads what String reads and returns its bytes within the input, not copied.
func (r *Reader) StringBytes() []byte {
	if !r.ok || r.i >= len(r.b) || r.b[r.i] != '"' {
		r.ok = false
		return nil
	}
	start := r.i + 1
	var high byte // OR of the bytes: >= 0x80 when there is non-ASCII to check
	for i := start; i < len(r.b); i++ {
		c := r.b[i]
		if c == '"' {
			raw := r.b[start:i]
			if high < utf8.RuneSelf || utf8.Valid(raw) {
				r.i = i + 1
				return raw
			}
			break // json.Unmarshal replaces invalid UTF-8
		}
		if c < 0x20 || c == '\\' {
			break // invalid JSON, or an escape sequence to decode
		}
		high |= c
	}
	r.ok = false
	return nil
}

// Fail makes the read a mismatch: for a reader that finds the value read does not fit its
// type, so that its caller falls back to encoding/json (which then reports the error).
func (r *Reader) Fail() { r.ok = false }

// Bool reads true or false.
func (r *Reader) Bool() bool {
	switch {
	case !r.ok:
	case len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "true":
		r.i += 4
		return true
	case len(r.b)-r.i >= 5 && string(r.b[r.i:r.i+5]) == "false":
		r.i += 5
		return false
	}
	r.ok = false
	return false
}

// null reads null when it comes next.
func (r *Reader) null() bool {
	if r.ok && len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// Slice reads an array of elements read by elem, or null as a nil slice; an empty array
// is an empty slice that is not nil, as json.Unmarshal makes it.
func Slice[T any](r *Reader, elem func(*Reader) T) []T {
	if r.null() {
		return nil
	}
	r.Lit("[")
	if !r.ok {
		return nil
	}
	s := []T{}
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return s
	}
	for {
		s = append(s, elem(r))
		if !r.ok {
			return nil
		}
		if r.i < len(r.b) && r.b[r.i] == ']' {
			r.i++
			return s
		}
		r.Lit(",")
	}
}

// IsObject reports whether b starts as a JSON object does (after white space). A decoder
// that falls back to json.Unmarshal checks it first: Unmarshal takes null into a struct as
// its zero value.
func IsObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}
