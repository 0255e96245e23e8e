package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/internal/jsonscan"
)

// compactSeeds are inputs where a hand-written scanner is most likely to differ from
// encoding/json: every token kind, whitespace everywhere, escapes, bad numbers, bytes that
// are not UTF-8, truncation and nesting at the depth limit.
var compactSeeds = []string{
	``, ` `, `{}`, `[]`, ` { } `, "\t[\n]\r", `null`, `true`, `false`, `nul`, `tru`, `fals`, `nullx`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-01`, `123456789`,
	`1.5e3`, `0.0`, `2.`, `+1`, `"x"`, `"`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9"`, `"\u00G9"`, `"\u12"`,
	`"\x"`, "\"a\x01\"", "\"\xff\xfe\"", "\"\xe2\x80\xa8\"", `"<&>"`, `{"a":1}`, `{"a" : 1 , "b" : [ 1 , 2 ] }`,
	`{"a":}`, `{"a"}`, `{a:1}`, `{"a":1,}`, `[1,]`, `[,1]`, `[1 2]`, `{"a":1 "b":2}`, `[1]]`, `[[1]`,
	`{"a":[{"b":{"c":[true,false,null,"s p a c e",-1.5e-3]}}]}`, `[1] [2]`, `1 2`, "\"a b\" ", `{"a":"}"}`,
	`{"restaurantId":"r-1","orderId":"o-1","menuItems":[{"menuItemId":"m1","name":"Pizza","price":"8.99"}]}`,
	`{"a":{"b":"\"}"},"c":[" ",  "\\" ]}`, `[` + "\u00a0" + `]`, "\x00", `{"":""}`, `[{}]`, `[{},[]]`,
	strings.Repeat("[", jsonscan.MaxDepth) + strings.Repeat("]", jsonscan.MaxDepth),
	strings.Repeat("[", jsonscan.MaxDepth+1) + strings.Repeat("]", jsonscan.MaxDepth+1),
	strings.Repeat("[", jsonscan.MaxDepth) + "{}" + strings.Repeat("]", jsonscan.MaxDepth),
	strings.Repeat(`{"a":`, jsonscan.MaxDepth) + "1" + strings.Repeat("}", jsonscan.MaxDepth),
	strings.Repeat(`{"a":`, jsonscan.MaxDepth+1) + "1" + strings.Repeat("}", jsonscan.MaxDepth+1),
}

// checkCompact fails t when compactJSON and json.Compact disagree on src.
func checkCompact(t *testing.T, src []byte) {
	t.Helper()
	var want bytes.Buffer
	wantErr := json.Compact(&want, src)
	got, err := compactJSON(src, false)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("compactJSON(%q) error = %v, json.Compact error = %v", src, err, wantErr)
	}
	if wantErr != nil {
		if err.Error() != wantErr.Error() {
			t.Fatalf("compactJSON(%q) error = %q, want %q", src, err, wantErr)
		}
		return
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("compactJSON(%q) = %q, json.Compact = %q", src, got, want.Bytes())
	}
	if len(src) > 0 && len(got) > 0 && &got[0] == &src[0] {
		t.Fatalf("compactJSON(%q) returned its input, want a copy", src)
	}
	if shared, err := compactJSON(src, true); err != nil || !bytes.Equal(shared, got) {
		t.Fatalf("compactJSON(%q, share) = %q, %v; want %q", src, shared, err, got)
	}
}

func TestCompactJSON(t *testing.T) {
	for _, s := range compactSeeds {
		checkCompact(t, []byte(s))
	}
}

// FuzzCompactJSON checks the hand-written scanner against encoding/json: same validity,
// same output, same error.
func FuzzCompactJSON(f *testing.F) {
	for _, s := range compactSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkCompact(t, src)
	})
}

func BenchmarkCompactJSON(b *testing.B) {
	data := []byte(`{"restaurantId":"r-1","orderId":"o-1","menuItems":[{"menuItemId":"m1","name":"Pizza","price":"8.99"}]}`)
	b.Run("impl=store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compactJSON(data, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What a store that shares compact data (PrepareShared) does: validate only, here
	// also on the benchmark command's payload.
	order := []byte(`{"restaurantId":"r-1042","orderId":"o-77310","menuItems":[{"menuItemId":"m1","name":"Pizza Margherita","price":"9.50"},{"menuItemId":"m2","name":"Tiramisu","price":"5.00"}]}`)
	for name, src := range map[string][]byte{"impl=store/shared": data, "impl=store/shared/order": order} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := compactJSON(src, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("impl=json.Compact", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf := bytes.NewBuffer(make([]byte, 0, len(data)))
			if err := json.Compact(buf, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
