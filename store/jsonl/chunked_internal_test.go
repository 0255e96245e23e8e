package jsonl

import (
	"slices"
	"testing"
)

// TestEntryList checks the list against a plain slice across chunk boundaries: at, len and
// every range appendRange can be asked for.
func TestEntryList(t *testing.T) {
	var l entryList
	var want []entry
	check := func() {
		t.Helper()
		if l.len() != len(want) {
			t.Fatalf("len = %d, want %d", l.len(), len(want))
		}
		for _, i := range []int{0, len(want) / 2, listChunk - 1, listChunk, listChunk + 1, 2*listChunk - 1, 2 * listChunk, len(want) - 1} {
			if i >= 0 && i < len(want) && l.at(i) != want[i] {
				t.Fatalf("at(%d) = %+v, want %+v", i, l.at(i), want[i])
			}
		}
		for _, r := range [][2]int{{0, len(want)}, {listChunk - 3, listChunk + 3}, {listChunk, 2*listChunk + 5}, {1, 2}, {len(want) - 1, len(want)}} {
			from, to := max(min(r[0], len(want)), 0), min(r[1], len(want))
			if from > to {
				continue
			}
			if got := l.appendRange([]entry{{off: -1}}, from, to); !slices.Equal(got[1:], want[from:to]) || got[0].off != -1 {
				t.Fatalf("appendRange(%d, %d) differs from the slice's (len %d vs %d)", from, to, len(got)-1, to-from)
			}
		}
	}
	for i := range 3*listChunk + 7 {
		e := entry{off: int64(i) * 100, n: uint32(i%500 + 1), stream: uint32(i % 7)}
		l.append(e)
		want = append(want, e)
		if i == 0 || i == listChunk-1 || i == listChunk || i == 2*listChunk+1 || i == 3*listChunk+6 {
			check()
		}
	}
	// A copy is a snapshot: appends to the original do not change it.
	snap := l
	n := snap.len()
	for i := range listChunk {
		l.append(entry{off: int64(-i)})
	}
	if snap.len() != n || snap.at(n-1) != want[n-1] {
		t.Fatalf("the snapshot changed: len %d (want %d), last %+v", snap.len(), n, snap.at(n-1))
	}
}
