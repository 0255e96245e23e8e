package store

import "bytes"

// MaxDataDepth bounds how deeply an event's data may nest objects and arrays: Append refuses
// deeper data with ErrInvalid. What reads the data must take it, and some take little more:
// jq 1.6 parses a JSONL line only up to 255 levels (the line's object is one of them) and
// stops reading the file at a deeper one, and a GraphQL response holds the data four levels
// down, which gqlgen encodes with encoding/json (10,000 levels at most; past them it cannot
// answer at all, and over SSE its stream hangs). 200 leaves room for either, and for tools
// that wrap a line or a response once more.
const MaxDataDepth = 200

// deeperThan reports whether data, valid JSON, nests objects and arrays more than limit
// levels deep. Data with no more than limit brackets cannot, which bytes.Count tells
// without a walk for almost every event.
func deeperThan(data []byte, limit int) bool {
	if bytes.Count(data, []byte{'['})+bytes.Count(data, []byte{'{'}) <= limit {
		return false
	}
	depth := 0
	inString, escaped := false, false
	for _, c := range data {
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
		case c == '[' || c == '{':
			if depth++; depth > limit {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}
