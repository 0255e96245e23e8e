// Package jsonwtest helps test hand-written JSON encodings against encoding/json.
package jsonwtest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// Appender is a type that writes its own JSON.
type Appender interface {
	AppendJSON(b []byte) []byte
}

// Strings returns the cases a JSON string encoding gets wrong: HTML characters, quotes and
// backslashes, control characters, non-ASCII, U+2028 and U+2029, invalid UTF-8. Each call
// returns a new slice, so that no test can change another's cases.
func Strings() []string {
	return []string{
		"", "plain", `quote " and backslash \`, "<b>&amp;</b>", "tab\tnewline\nreturn\rback\bfeed\f",
		"\x00\x01\x1f\x7f", "é ü 漢字 🍕", "\u2028\u2029", "bad \xff utf-8 \xc3", "\xed\xa0\x80 surrogate",
		"ends in half a rune \xe6\xbc",
	}
}

// LikeMarshal fails t unless v.AppendJSON appends exactly what json.Marshal returns for v.
func LikeMarshal(t testing.TB, v Appender) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "prefix"
	if got := v.AppendJSON([]byte(prefix)); !bytes.Equal(got, append([]byte(prefix), want...)) {
		t.Errorf("%T.AppendJSON = %s\njson.Marshal   = %s", v, got[len(prefix):], want)
	}
}

// RoundTrips fails t unless v comes back equal (reflect.DeepEqual) from json.Marshal and
// json.Unmarshal: what a snapshot of a state needs.
func RoundTrips[T any](t testing.TB, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s does not decode: %v", b, err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Errorf("%s came back as %#v, want %#v", b, back, v)
	}
}

// Values returns a value of each of a package's types built from three strings and n, the
// length of their slices: a nil slice when n is 0, an empty one when n is negative.
type Values func(a, b, c string, n int) []Appender

// Check runs LikeMarshal on the values built from every three consecutive Strings(), with n of
// -1, 0, 1 and 3.
func Check(t *testing.T, values Values) {
	t.Helper()
	strs := Strings()
	for i := range strs {
		a, b, c := strs[i], strs[(i+1)%len(strs)], strs[(i+2)%len(strs)]
		for _, n := range []int{-1, 0, 1, 3} {
			for _, v := range values(a, b, c, n) {
				LikeMarshal(t, v)
			}
		}
	}
}

// Fuzz runs LikeMarshal on values built from fuzzed strings, with n from -1 to 3.
func Fuzz(f *testing.F, values Values) {
	f.Add("r1", "Pizza <b>", "9.50", uint8(2))
	f.Add("", "\xff", "\u2028", uint8(0))
	f.Fuzz(func(t *testing.T, a, b, c string, n uint8) {
		for _, v := range values(a, b, c, int(n%5)-1) {
			LikeMarshal(t, v)
		}
	})
}
