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

var strs = jsonwtest.Strings

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

func FuzzAppendString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := jsonw.AppendString(nil, s), marshal(t, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
