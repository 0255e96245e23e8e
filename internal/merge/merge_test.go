package merge_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/internal/merge"
)

func TestAscending(t *testing.T) {
	tests := map[string][][]int{
		"none":              nil,
		"empty lists":       {{}, nil, {}},
		"one":               {{1, 4, 9}},
		"interleaved":       {{1, 4, 9}, {2, 3, 10}, {5}},
		"one after another": {{1, 2}, {3, 4}},
		"with empty":        {{}, {7, 8}, nil},
	}
	for name, lists := range tests {
		t.Run(name, func(t *testing.T) {
			var want []int
			for _, l := range lists {
				want = append(want, l...)
			}
			slices.Sort(want)
			if got := slices.Collect(merge.Ascending(lists)); !slices.Equal(got, want) {
				t.Errorf("Ascending(%v) = %v, want %v", lists, got, want)
			}
		})
	}
	// Random disjoint lists, as the positions of several types are; stopping early.
	r := rand.New(rand.NewPCG(1, 2))
	lists := make([][]int, 4)
	var want []int
	for p := 1; p <= 1000; p++ {
		if k := r.IntN(5); k < len(lists) {
			lists[k] = append(lists[k], p)
			want = append(want, p)
		}
	}
	if got := slices.Collect(merge.Ascending(lists)); !slices.Equal(got, want) {
		t.Errorf("random lists: got %d positions, want %d, or out of order", len(got), len(want))
	}
	n := 0
	for range merge.Ascending(lists) {
		if n++; n == 5 {
			break
		}
	}
	if len(lists[0])+len(lists[1])+len(lists[2])+len(lists[3]) != len(want) {
		t.Error("Ascending changed the caller's lists")
	}
}

func TestAfter(t *testing.T) {
	l := []int{2, 4, 6, 8}
	for v, want := range map[int][]int{-1: l, 0: l, 2: {4, 6, 8}, 3: {4, 6, 8}, 7: {8}, 8: {}, 9: {}} {
		if got := merge.After(l, v); !slices.Equal(got, want) {
			t.Errorf("After(%v, %d) = %v, want %v", l, v, got, want)
		}
	}
	if got := merge.After([]int(nil), 3); len(got) != 0 {
		t.Errorf("After(nil, 3) = %v", got)
	}
}

// Intersect yields what a naive intersection does, in order, whichever side is shorter, and
// stops when the caller does.
func TestIntersect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	sorted := func(n, max int) []int {
		seen := map[int]bool{}
		var out []int
		for range n {
			if v := rng.IntN(max); !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		slices.Sort(out)
		return out
	}
	for i := range 500 {
		l := sorted(rng.IntN(40), 100)
		var lists [][]int
		for range rng.IntN(4) {
			lists = append(lists, sorted(rng.IntN(120), 100)) // shorter or longer than l
		}
		var want []int
		for _, v := range l {
			for _, x := range lists {
				if slices.Contains(x, v) {
					want = append(want, v)
					break
				}
			}
		}
		got := slices.Collect(merge.Intersect(l, lists))
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: Intersect(%v, %v) = %v, want %v", i, l, lists, got, want)
		}
		if len(want) > 1 {
			var first []int
			for v := range merge.Intersect(l, lists) {
				if first = append(first, v); len(first) == 1 {
					break
				}
			}
			if !slices.Equal(first, want[:1]) {
				t.Fatalf("case %d: stopped after the first: %v, want %v", i, first, want[:1])
			}
		}
	}
}
