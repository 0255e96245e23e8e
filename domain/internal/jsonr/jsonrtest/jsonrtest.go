// Package jsonrtest holds fast-path JSON readers (see jsonr) to encoding/json.
package jsonrtest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/domain/internal/jsonr"
	"github.com/eventgraph/eventgraph/domain/internal/jsonw/jsonwtest"
)

// Reader is a fast-path reader of one type, as a package's tests reach it (through its
// export_test.go).
type Reader interface {
	// LikeUnmarshal fails t when the reader accepts data and json.Unmarshal into the
	// reader's type fails or gives another value (reflect.DeepEqual). It reports whether
	// the reader accepted data.
	LikeUnmarshal(t testing.TB, data []byte) bool
	// Reads reports whether v is of the reader's type.
	Reads(v any) bool
}

// For returns the Reader of read.
func For[T any](read func(*jsonr.Reader) T) Reader { return reader[T](read) }

type reader[T any] func(*jsonr.Reader) T

func (read reader[T]) Reads(v any) bool { _, ok := v.(T); return ok }

func (read reader[T]) LikeUnmarshal(t testing.TB, data []byte) bool {
	t.Helper()
	r := jsonr.New(data)
	got := read(&r)
	if !r.Done() {
		return false
	}
	var want T
	if err := json.Unmarshal(data, &want); err != nil {
		t.Errorf("the %T reader accepts %q, which json.Unmarshal refuses: %v", want, data, err)
	} else if !reflect.DeepEqual(got, want) {
		t.Errorf("the %T reader reads %q as %#v, json.Unmarshal as %#v", want, data, got, want)
	}
	return true
}

// plain are strings AppendJSON writes without escape sequences, which the readers must
// therefore accept.
var plain = [3]string{"r1", "Pizza Margherita é 漢字", "8.99"}

// Check holds the readers to json.Unmarshal on the AppendJSON of the values built from
// every three consecutive jsonwtest.Strings(), with n of -1, 0, 1 and 3, and on forms of it
// that json.Marshal does not write. It fails t when a reader declines the AppendJSON of a
// value built from plain strings: the fast path would never be taken.
func Check(t *testing.T, values jsonwtest.Values, readers ...Reader) {
	t.Helper()
	for _, n := range []int{-1, 0, 1, 3} {
		for _, v := range values(plain[0], plain[1], plain[2], n) {
			for _, r := range readers {
				if r.Reads(v) && !r.LikeUnmarshal(t, v.AppendJSON(nil)) {
					t.Errorf("the %T reader declines %s", v, v.AppendJSON(nil))
				}
			}
		}
	}
	strs := jsonwtest.Strings()
	for i := range strs {
		a, b, c := strs[i], strs[(i+1)%len(strs)], strs[(i+2)%len(strs)]
		for _, n := range []int{-1, 0, 1, 3} {
			checkValues(t, values(a, b, c, n), readers)
		}
	}
}

// checkValues holds each value's reader to json.Unmarshal on the value's AppendJSON and on
// variants of it.
func checkValues(t testing.TB, vs []jsonwtest.Appender, readers []Reader) {
	t.Helper()
	for _, v := range vs {
		for _, r := range readers {
			if !r.Reads(v) {
				continue
			}
			for _, data := range Variants(v.AppendJSON(nil)) {
				r.LikeUnmarshal(t, data)
			}
		}
	}
}

// Variants returns data and forms of it that json.Marshal does not write: white space,
// a member name in other letter case, an unknown member, null for a value, invalid UTF-8
// or a raw control character in a string, escaped characters, a truncation, and bytes
// after the value (which json.Unmarshal refuses unless they are white space).
func Variants(data []byte) [][]byte {
	s := string(data)
	vs := [][]byte{data}
	add := func(v string) { vs = append(vs, []byte(v)) }
	if len(s) > 1 {
		add(" " + s)
		add(s + " ")
		add(s[:len(s)-1])
		add(s + "garbage")
		add(s + s)
		add(s[:1] + `"extra":1,` + s[1:])
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			add(s[:i+1] + " " + s[i+1:])
			add(s[:i+1] + "null" + skipValue(s, i+1))
			if i+1 < len(s) && s[i+1] == '"' {
				add(s[:i+2] + "\xff" + s[i+2:])
				add(s[:i+2] + "\x01" + s[i+2:]) // json.Unmarshal refuses control characters
				add(s[:i+2] + "\x1f" + s[i+2:]) // in a string unless escaped
			}
		case '"':
			if i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z' {
				add(s[:i+1] + string(s[i+1]-'a'+'A') + s[i+2:])
			}
		case 'r':
			add(s[:i] + `\u0072` + s[i+1:])
		}
	}
	return vs
}

// skipValue returns s after the JSON value that starts at i, when that value is a string
// without escapes; else s from i.
func skipValue(s string, i int) string {
	if i < len(s) && s[i] == '"' {
		for j := i + 1; j < len(s); j++ {
			if s[j] == '\\' {
				break
			}
			if s[j] == '"' {
				return s[j+1:]
			}
		}
	}
	return s[i:]
}

// Fuzz holds the readers to json.Unmarshal on fuzzed bytes, and on the AppendJSON of values
// built from fuzzed strings with n from -1 to 3 and its variants.
func Fuzz(f *testing.F, values jsonwtest.Values, readers ...Reader) {
	for _, v := range values(plain[0], plain[1], plain[2], 2) {
		f.Add("r1", "Pizza <b>", "9.50", uint8(2), v.AppendJSON(nil))
	}
	f.Add("", "\xff", "\u2028", uint8(0), []byte(`{"orderId":null}`))
	f.Fuzz(func(t *testing.T, a, b, c string, n uint8, data []byte) {
		for _, r := range readers {
			r.LikeUnmarshal(t, data)
		}
		checkValues(t, values(a, b, c, int(n%5)-1), readers)
	})
}
