package specfmt

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPlaces: where two values differ, named by path, in what JSON shows and what it does
// not, without looping on cycles or panicking on unexported fields.
func TestPlaces(t *testing.T) {
	type inner struct {
		at   time.Time
		tags []string
		any  any
	}
	type node struct {
		Name string
		Next *node
	}
	utc := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	cycle := func(name string) *node { n := &node{Name: name}; n.Next = n; return n }
	nan := math.NaN()
	tests := []struct {
		name      string
		want, got any
		places    []string
		hidden    bool
	}{
		{"equal", map[string]int{"a": 1}, map[string]int{"a": 1}, nil, false},
		{"a field", struct{ A, B int }{1, 2}, struct{ A, B int }{1, 3}, []string{"v.B: want 2, got 3"}, false},
		{"a map entry", map[string]int{"a": 1, "b": 2}, map[string]int{"b": 2, "c": 3},
			[]string{`v["a"]: want 1, got no entry`, `v["c"]: want no entry, got 3`}, false},
		{"a map entry keyed by a struct", map[struct{ A, b int }]int{{1, 2}: 3}, map[struct{ A, b int }]int{{1, 2}: 4},
			[]string{"v[{A:1 b:2}]: want 3, got 4"}, false},
		{"a list's middle", []int{1, 2, 3, 4}, []int{1, 3, 4}, []string{"v[1]: want 2, got none"}, false},
		{"an element of a list", []string{"a", "b", "c"}, []string{"a", "x", "c", "d"}, []string{`v[1]: want "b", got "x"`, `v[3]: want none, got "d"`}, false},
		{"a list's end", []int{1, 2}, []int{1}, []string{"v[1]: want 2, got none"}, false},
		{"unexported time, tags and interface", inner{at: utc, tags: []string{}, any: 1}, inner{at: utc.In(time.FixedZone("CET", 3600)), any: int64(1)},
			[]string{"v.at: the same instant 2026-01-02T08:00:00Z in other locations: want UTC, got CET (reflect.DeepEqual compares locations: make both UTC)", "v.tags: want empty []string, got nil []string", "v.any: want int 1, got int64 1"}, true},
		{"a cycle", cycle("a"), cycle("b"), []string{`v.Name: want "a", got "b"`}, false},
		{"NaN", nan, nan, []string{"v: want NaN, got NaN (NaN equals nothing, itself included)"}, false},
		{"a function", struct{ F func() }{func() {}}, struct{ F func() }{}, []string{"v.F: want func(), got nil func() (functions are equal only when both are nil)"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			hidden := false
			for _, p := range places("v", tt.want, tt.got) {
				got = append(got, p.text)
				hidden = hidden || p.hidden
			}
			if !slices.Equal(got, tt.places) || hidden != tt.hidden {
				t.Errorf("places = %q, hidden %v\nwant %q, hidden %v", got, hidden, tt.places, tt.hidden)
			}
		})
	}
}

// TestPlaces_many: of many places, the first ten and how many more.
func TestPlaces_many(t *testing.T) {
	a, b := make([]int, 25), make([]int, 25)
	for i := range b {
		b[i] = 1
	}
	ps := places("v", a, b)
	if len(ps) != maxPlaces+1 || !strings.HasPrefix(ps[maxPlaces].text, "... and ") {
		t.Errorf("places = %v; want %d and a count of the rest", ps, maxPlaces)
	}
}

// TestPlaces_longLists: lists too long to align by their common elements are aligned by
// index.
func TestPlaces_longLists(t *testing.T) {
	a, b := make([]int, 300), make([]int, 300)
	a[0], a[299] = 1, 2
	ps := places("v", a, b)
	if len(ps) != 2 || ps[0].text != "v[0]: want 1, got 0" || ps[1].text != "v[299]: want 2, got 0" {
		t.Errorf("places = %v; want v[0] and v[299]", ps)
	}
}
