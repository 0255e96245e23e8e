package store

import (
	"strings"
	"testing"
)

func TestDeeperThan(t *testing.T) {
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	tests := []struct {
		data  string
		limit int
		want  bool
	}{
		{`{}`, 0, true},
		{`1`, 0, false},
		{`{}`, 1, false},
		{`[[]]`, 1, true},
		{`[[],[],[],{}]`, 2, false}, // more brackets than the limit, none deeper
		{`[[[]],[[]]]`, 2, true},
		{`{"a":{"b":[1]}}`, 3, false},
		{`{"a":{"b":[1]}}`, 2, true},
		// Brackets in strings, also after escaped quotes and backslashes, nest nothing.
		{`["[[[{{{"]`, 1, false},
		{`["\"[[[", "\\", "{{{"]`, 1, false},
		{`[{"\"":"\\"},["\u005b[["]]`, 2, false},
		{`[{"\"":"\\"},[["\u005b"]]]`, 2, true},
		{nest("[", "]", 200), 200, false},
		{nest("[", "]", 201), 200, true},
		{nest(`{"a":`, "}", 200), 200, false},
		{nest(`{"a":[`, "]}", 101), 200, true},
	}
	for _, tt := range tests {
		if got := deeperThan([]byte(tt.data), tt.limit); got != tt.want {
			t.Errorf("deeperThan(%.40q, %d) = %v, want %v", tt.data, tt.limit, got, tt.want)
		}
	}
}
