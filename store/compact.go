package store

import (
	"bytes"
	"encoding/json"
)

// maxJSONDepth is encoding/json's nesting limit: json.Valid rejects a document whose
// objects and arrays nest deeper.
const maxJSONDepth = 10000

// strSpecial marks the bytes a JSON string scan must stop at: control characters, the
// closing quote and the escape character. Every other byte (UTF-8 or not) is taken as is,
// as encoding/json does.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// compactJSON returns src compacted exactly as json.Compact does, or json.Compact's error
// when src is not valid JSON. Input that is already compact (what encoding/json produces) is
// validated in one pass and copied once, or returned as is when share is set; otherwise the
// result is a new slice.
func compactJSON(src []byte, share bool) ([]byte, error) {
	switch scanJSON(src) {
	case scanCompact:
		if share {
			return src, nil
		}
		return bytes.Clone(src), nil
	case scanSpaced:
		out := make([]byte, 0, len(src))
		inString, escaped := false, false
		start := 0
		for i, c := range src {
			switch {
			case inString:
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
				}
			case c == '"':
				inString = true
			case isSpace(c):
				out = append(out, src[start:i]...)
				start = i + 1
			}
		}
		return append(out, src[start:]...), nil
	}
	// Invalid: let encoding/json produce its error (and its result, should the two scanners
	// ever disagree).
	buf := bytes.NewBuffer(make([]byte, 0, len(src)))
	if err := json.Compact(buf, src); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type scanResult uint8

const (
	scanInvalid scanResult = iota // not valid JSON
	scanCompact                   // valid, with no insignificant whitespace
	scanSpaced                    // valid, with whitespace outside strings
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanJSON validates src with the grammar and depth limit of json.Valid and reports whether
// it holds whitespace outside strings.
func scanJSON(src []byte) scanResult {
	var small [32]byte
	stack := small[:0] // open containers: '{' or '['
	spaced := false
	n := len(src)
	i := 0
	skip := func() {
		for i < n && isSpace(src[i]) {
			i++
			spaced = true
		}
	}
	// key reads an object key and its colon, leaving i at the value.
	key := func() bool {
		skip()
		if i >= n || src[i] != '"' {
			return false
		}
		if i = scanString(src, i); i < 0 {
			return false
		}
		skip()
		if i >= n || src[i] != ':' {
			return false
		}
		i++
		return true
	}
	for {
		// A value starts here.
		skip()
		if i >= n {
			return scanInvalid
		}
		switch c := src[i]; c {
		case '{', '[':
			if len(stack) >= maxJSONDepth {
				return scanInvalid
			}
			i++
			skip()
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if i < n && src[i] == closer {
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' && !key() {
				return scanInvalid
			}
			continue
		case '"':
			if i = scanString(src, i); i < 0 {
				return scanInvalid
			}
		case 't':
			if !bytes.HasPrefix(src[i:], []byte("true")) {
				return scanInvalid
			}
			i += 4
		case 'f':
			if !bytes.HasPrefix(src[i:], []byte("false")) {
				return scanInvalid
			}
			i += 5
		case 'n':
			if !bytes.HasPrefix(src[i:], []byte("null")) {
				return scanInvalid
			}
			i += 4
		default:
			if i = scanNumber(src, i); i < 0 {
				return scanInvalid
			}
		}
		// A value ended: close containers until the next value or the end.
		for {
			skip()
			if len(stack) == 0 {
				if i != n {
					return scanInvalid
				}
				if spaced {
					return scanSpaced
				}
				return scanCompact
			}
			if i >= n {
				return scanInvalid
			}
			top := stack[len(stack)-1]
			c := src[i]
			if c == ',' {
				i++
				if top == '{' && !key() {
					return scanInvalid
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return scanInvalid
		}
	}
}

// scanString returns the index just past the string starting at src[i] (a quote), or -1
// when it is not a valid JSON string.
func scanString(src []byte, i int) int {
	n := len(src)
	for i++; i < n; i++ {
		c := src[i]
		if !strSpecial[c] {
			continue
		}
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		}
		// An escape.
		i++
		if i >= n {
			return -1
		}
		switch src[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if i+4 >= n {
				return -1
			}
			for _, h := range src[i+1 : i+5] {
				if !isHex(h) {
					return -1
				}
			}
			i += 4
		default:
			return -1
		}
	}
	return -1
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber returns the index just past the number starting at src[i], or -1 when no
// valid JSON number starts there.
func scanNumber(src []byte, i int) int {
	n := len(src)
	if src[i] == '-' {
		i++
	}
	switch {
	case i >= n || !isDigit(src[i]):
		return -1
	case src[i] == '0':
		i++
	default:
		for i < n && isDigit(src[i]) {
			i++
		}
	}
	if i < n && src[i] == '.' {
		i++
		if i >= n || !isDigit(src[i]) {
			return -1
		}
		for i < n && isDigit(src[i]) {
			i++
		}
	}
	if i < n && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < n && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= n || !isDigit(src[i]) {
			return -1
		}
		for i < n && isDigit(src[i]) {
			i++
		}
	}
	return i
}
