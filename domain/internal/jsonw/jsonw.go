// Package jsonw appends JSON values to byte slices exactly as encoding/json's Marshal writes
// them, for types that write their own JSON (see eventsourcing.JSONAppender): a command's
// fingerprint hashes its json.Marshal bytes, so a hand-written encoding must not differ
// from them by one byte. (The JSONL log encodes its lines with an encoder of its own, which
// does not escape HTML characters: its bytes are not json.Marshal's and must not change.)
package jsonw

import "unicode/utf8"

const hex = "0123456789abcdef"

// safe reports the ASCII bytes that encoding/json writes unescaped in a string with HTML
// escaping on (as Marshal has it): all printable ones but '"', '\\', '<', '>' and '&'.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		switch b {
		case '"', '\\', '<', '>', '&', 0x7f:
			t[b] = b == 0x7f // DEL is printable to encoding/json
		default:
			t[b] = true
		}
	}
	return t
}()

// AppendString appends s as a JSON string: control characters, '"', '\\', '<', '>' and '&'
// escaped, invalid UTF-8 replaced with \ufffd, U+2028 and U+2029 escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Plain reports whether AppendString writes s as it is, between quotes: s is printable
// ASCII without '"', '\\', '<', '>' and '&'. It checks a byte at a time, a few times
// faster than AppendString copies.
func Plain[T ~string | ~[]byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !safe[c] {
			return false
		}
	}
	return true
}

// AppendStrings appends ss as a JSON array of strings, or null when ss is nil.
func AppendStrings(dst []byte, ss []string) []byte { return AppendSlice(dst, ss, AppendString) }

// AppendSlice appends vs as a JSON array, each element written by appendOne, or null when
// vs is nil (as json.Marshal writes a nil slice).
func AppendSlice[T any](dst []byte, vs []T, appendOne func(dst []byte, v T) []byte) []byte {
	if vs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range vs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendOne(dst, v)
	}
	return append(dst, ']')
}
