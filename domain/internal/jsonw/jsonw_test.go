package jsonw_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/jsonw"
	"github.com/eventgraph/eventgraph/domain/internal/jsonw/jsonwtest"
)

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var strs = jsonwtest.Strings()

func TestAppendString_likeMarshal(t *testing.T) {
	for _, s := range strs {
		if got, want := jsonw.AppendString([]byte("x"), s), append([]byte("x"), marshal(t, s)...); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendStrings_likeMarshal(t *testing.T) {
	for _, ss := range [][]string{nil, {}, {""}, strs} {
		if got, want := jsonw.AppendStrings(nil, ss), marshal(t, ss); !bytes.Equal(got, want) {
			t.Errorf("AppendStrings(%q) = %s, want %s", ss, got, want)
		}
	}
}

// ascii reports whether s is ASCII: Plain takes nothing else, though json.Marshal writes
// most other UTF-8 as it is.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestPlain(t *testing.T) {
	for _, s := range append(strs, "a-b_c.d:e 0123456789 ~!@#$%^*()=+[]{}|;',?/`", "\x7f") {
		if got, want := jsonw.Plain(s), string(marshal(t, s)) == `"`+s+`"` && ascii(s); got != want {
			t.Errorf("Plain(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := jsonw.AppendString(nil, s), marshal(t, s)
		if !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
		if plain := string(want) == `"`+s+`"` && ascii(s); jsonw.Plain(s) != plain || jsonw.Plain([]byte(s)) != plain {
			t.Errorf("Plain(%q) = %v, want %v: json.Marshal writes %s", s, jsonw.Plain(s), plain, want)
		}
	})
}
