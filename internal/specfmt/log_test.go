package specfmt_test

import (
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/internal/specfmt"
)

// TestLog: a log carried on from a base keeps the base's events and adds its own; logs
// carried on from one base see none of each other's events, and the base none of theirs.
func TestLog(t *testing.T) {
	var empty *specfmt.Log[int]
	if empty.Len() != 0 || len(empty.All()) != 0 {
		t.Fatalf("the nil log: Len %d, All %v; want empty", empty.Len(), empty.All())
	}
	base := empty.Add([]int{1, 2})
	left := base.Add([]int{3})
	right := base.Add([]int{4, 5}).Add(nil).Add([]int{6})
	for _, tt := range []struct {
		name string
		log  *specfmt.Log[int]
		want []int
	}{
		{"base", base, []int{1, 2}},
		{"left", left, []int{1, 2, 3}},
		{"right", right, []int{1, 2, 4, 5, 6}},
	} {
		if got := tt.log.All(); !slices.Equal(got, tt.want) || tt.log.Len() != len(tt.want) {
			t.Errorf("%s: All %v, Len %d; want %v", tt.name, got, tt.log.Len(), tt.want)
		}
	}
	// All returns a new slice: changing it changes no log.
	all := left.All()
	all[0] = 99
	if got := left.All(); got[0] != 1 {
		t.Errorf("changing what All returned changed the log: %v", got)
	}
}

// TestLog_longChain: a log made one event at a time holds them in order.
func TestLog_longChain(t *testing.T) {
	var l *specfmt.Log[int]
	for i := range 10_000 {
		l = l.Add([]int{i})
	}
	got := l.All()
	for i, v := range got {
		if v != i {
			t.Fatalf("All()[%d] = %d, want %d", i, v, i)
		}
	}
	if len(got) != 10_000 {
		t.Fatalf("len(All()) = %d, want 10000", len(got))
	}
}

// BenchmarkLog_add gives events one at a time, as a loop of Givens does, and reads the
// log once: the cost per event stays flat as b.N grows (a copy at each Add made it grow
// with the log).
func BenchmarkLog_add(b *testing.B) {
	var l *specfmt.Log[int]
	for i := range b.N {
		l = l.Add([]int{i})
	}
	if l.Len() != b.N || len(l.All()) != b.N {
		b.Fatal("lost events")
	}
}
