package store

import (
	"bytes"
	"encoding/json"

	"github.com/eventgraph/eventgraph/internal/jsonscan"
)

// compactJSON returns src compacted exactly as json.Compact does, or json.Compact's error
// when src is not valid JSON. Input that is already compact (what encoding/json produces) is
// validated in one pass and copied once, or returned as is when share is set; otherwise the
// result is a new slice.
func compactJSON(src []byte, share bool) ([]byte, error) {
	switch jsonscan.Scan(src) {
	case jsonscan.Compact:
		if share {
			return src, nil
		}
		return bytes.Clone(src), nil
	case jsonscan.Spaced:
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

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
