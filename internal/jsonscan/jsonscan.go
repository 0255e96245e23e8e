// Package jsonscan checks JSON with the grammar and nesting limit of encoding/json's Valid,
// in one pass that allocates nothing for the usual nesting. The store checks every event's
// data with it on Append, and the JSONL log every line's data when it opens; encoding/json
// takes about three times as long. FuzzScan holds it to json.Valid.
package jsonscan

import "bytes"

// MaxDepth is encoding/json's nesting limit: json.Valid rejects a document whose objects
// and arrays nest deeper.
const MaxDepth = 10000

// Result is what a scan found.
type Result uint8

// The results of a scan.
const (
	Invalid Result = iota // not valid JSON
	Compact               // valid, with no insignificant whitespace
	Spaced                // valid, with whitespace outside strings
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

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

// Scan validates src as json.Valid does and reports whether it holds whitespace outside
// strings.
func Scan(src []byte) Result {
	end, r := Value(src)
	if r == Invalid {
		return Invalid
	}
	for ; end < len(src); end++ {
		if !isSpace(src[end]) {
			return Invalid
		}
		r = Spaced
	}
	return r
}

// Value finds the JSON value that src starts with, after any whitespace, and returns where
// it ends: src[:end] is valid JSON (json.Valid) and ends with the value's last byte. It
// does not look at what follows the value. Its result tells whether src[:end] holds
// whitespace outside strings.
func Value(src []byte) (end int, r Result) {
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
			return 0, Invalid
		}
		switch c := src[i]; c {
		case '{', '[':
			if len(stack) >= MaxDepth {
				return 0, Invalid
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
				return 0, Invalid
			}
			continue
		case '"':
			if i = scanString(src, i); i < 0 {
				return 0, Invalid
			}
		case 't':
			if !bytes.HasPrefix(src[i:], []byte("true")) {
				return 0, Invalid
			}
			i += 4
		case 'f':
			if !bytes.HasPrefix(src[i:], []byte("false")) {
				return 0, Invalid
			}
			i += 5
		case 'n':
			if !bytes.HasPrefix(src[i:], []byte("null")) {
				return 0, Invalid
			}
			i += 4
		default:
			if i = scanNumber(src, i); i < 0 {
				return 0, Invalid
			}
		}
		// A value ended: close containers until the next value or the end.
		for {
			if len(stack) == 0 {
				if spaced {
					return i, Spaced
				}
				return i, Compact
			}
			skip()
			if i >= n {
				return 0, Invalid
			}
			top := stack[len(stack)-1]
			c := src[i]
			if c == ',' {
				i++
				if top == '{' && !key() {
					return 0, Invalid
				}
				break
			}
			if (top == '{' && c == '}') || (top == '[' && c == ']') {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			return 0, Invalid
		}
	}
}

// scanString returns the index just past the string starting at src[i] (a quote), or -1
// when it is not a valid JSON string.
func scanString(src []byte, i int) int {
	n := len(src)
	i++
	for i += Plain(src[i:]); i < n; i++ {
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
