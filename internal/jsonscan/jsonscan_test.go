package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/internal/jsonscan"
)

// seeds are inputs where a hand-written scanner is most likely to differ from encoding/json
// (the store's compaction tests hold more), and values followed by what a JSONL line has
// after its data.
var seeds = []string{
	``, ` `, `{}`, ` [ ] `, `null`, `nul`, `nullx`, `0`, `01`, `-`, `1.`, `1e+`, `1.5e3`, `"x"`, `"\"`,
	`"\u00G9"`, "\"a\x01\"", "\"\xff\"", `{"a" : 1 , "b" : [ 1 , 2 ] }`, `{"a":1,}`, `[1 2]`, `[1]]`, `1 2`,
	`{"a":"}"}`, `{"a":1},"metadata":{}`, `"x","metadata":{}`, `12,"metadata":{}`, `[1] ,`, `{"a":1`,
	// Strings scanned 8 bytes at a time up to the first group holding a byte to look at.
	`"0123456789abcdef"`, `"0123456789abcde\"x"`, `"0123456789abcdef\u00e9"`, "\"0123456789abcdef\x01\"",
	"\"01234567\xc3\xa9abcdef\"", `"0123456789abcdef\q"`, `"0123456789abcdef`,
	"\"0123456789abcdef\x01ghijklmnop\"", `"0123456789abcdef\qghijklmnop"`, `"0123456789abcdef\nghijklmnop"`,
	`{"0123456789abcdef":"ghijklmnopqrstuvw"}`,
	strings.Repeat("[", jsonscan.MaxDepth) + strings.Repeat("]", jsonscan.MaxDepth),
	strings.Repeat("[", jsonscan.MaxDepth+1) + strings.Repeat("]", jsonscan.MaxDepth+1),
}

// checkScan fails t when Scan and json.Valid disagree on src, or Value and json.Decoder
// (which reads the first value and stops) disagree on where the first value ends.
func checkScan(t *testing.T, src []byte) {
	t.Helper()
	r := jsonscan.Scan(src)
	if (r != jsonscan.Invalid) != json.Valid(src) {
		t.Fatalf("Scan(%q) = %d, json.Valid = %v", src, r, json.Valid(src))
	}
	if r != jsonscan.Invalid && spaced(src) != (r == jsonscan.Spaced) {
		t.Fatalf("Scan(%q) = %d, but json.Compact says otherwise", src, r)
	}
	end, vr := jsonscan.Value(src)
	dec := json.NewDecoder(bytes.NewReader(src))
	var v json.RawMessage
	err := dec.Decode(&v)
	switch {
	case (err == nil) != (vr != jsonscan.Invalid):
		t.Fatalf("Value(%q) = %d, %d; json.Decoder: %v", src, end, vr, err)
	case err != nil:
	case end != int(dec.InputOffset()):
		t.Fatalf("Value(%q) ends at %d, json.Decoder at %d", src, end, dec.InputOffset())
	case spaced(src[:end]) != (vr == jsonscan.Spaced):
		t.Fatalf("Value(%q) = %d, %d, but json.Compact says otherwise", src, end, vr)
	}
}

// spaced reports whether the valid JSON b holds white space outside strings.
func spaced(b []byte) bool {
	var c bytes.Buffer
	_ = json.Compact(&c, b)
	return !bytes.Equal(c.Bytes(), b)
}

func TestScan(t *testing.T) {
	for _, s := range seeds {
		checkScan(t, []byte(s))
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkScan)
}
