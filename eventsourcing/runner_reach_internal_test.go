package eventsourcing

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// bruteReach is the closure of the events from..to by definition, over the writes the
// processors hold now, in a log of n positions: every position a write for a covered event
// wrote is covered, and so on.
func bruteReach(procs []*processor, from, to store.Position, n int) store.Position {
	covered := make([]bool, n+2)
	for e := from; e <= to && int(e) <= n; e++ {
		covered[e] = true
	}
	reach := to
	for e := 1; e <= n; e++ {
		if !covered[e] {
			continue
		}
		for _, q := range procs {
			for _, w := range q.writes {
				if int(w.event) != e {
					continue
				}
				for x := w.first; x <= w.last && int(x) <= n; x++ {
					covered[x] = true
				}
				reach = max(reach, w.last)
			}
		}
	}
	return reach
}

// TestRunner_reachWalkMatchesDefinition checks reachLocked, which skips between spans and
// keeps the spans it found in a heap, against the definition, over random writes of up to
// four sagas: spans that overlap, that say nothing of their first position, a resumed saga's
// write at event 1, and writes of which a prefix was forgotten. A review ran 200,000 seeds.
func TestRunner_reachWalkMatchesDefinition(t *testing.T) {
	seeds := uint64(5000)
	if testing.Short() {
		seeds = 500
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 99))
		n := 5 + rng.IntN(60)
		k := 1 + rng.IntN(4)
		r := NewRunner(nil)
		for s := range k {
			q := &processor{name: fmt.Sprint("s", s), kind: KindSaga}
			if rng.IntN(5) == 0 {
				q.recordLocked(1, span{last: store.Position(1 + rng.IntN(n))})
			}
			for e := 1; e <= n; e++ {
				if rng.Float64() < 0.3 {
					for range 1 + rng.IntN(2) {
						f := store.Position(e + 1 + rng.IntN(max(1, n-e)))
						l := f + store.Position(rng.IntN(4))
						if rng.IntN(6) == 0 {
							f = 0
						}
						if int(l) > n {
							l = store.Position(n)
						}
						q.recordLocked(store.Position(e), span{f, l})
					}
				}
			}
			if d := rng.IntN(3); d > 0 && len(q.writes) > 0 { // forget a prefix, as advance does
				q.writes = q.writes[rng.IntN(len(q.writes)):]
			}
			r.procs = append(r.procs, q)
		}
		for range 20 {
			from := store.Position(1 + rng.IntN(n))
			to := from + store.Position(rng.IntN(n-int(from)+1))
			if rng.IntN(3) == 0 {
				from = 1
			}
			got := r.reachLocked(from, to)
			want := bruteReach(r.procs, from, to, n)
			if got != want {
				t.Fatalf("seed %d: reach(%d,%d) = %d, want %d; %s", seed, from, to, got, want, dumpProcs(r.procs))
			}
		}
	}
}
