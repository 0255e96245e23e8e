package eventsourcing

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// A saga catching up with a backlog of n events, each causing a command written at the log's
// end (a server started after an outage), while a projection follows the log and a CaughtUp
// waits, costs the Runner's bookkeeping work in proportion to n: a review found the catch-up
// quadratic (8,000 events/s falling to 450 over a backlog of 400,000). Every event made
// advance try to forget the saga's first write, which it could not, walking all the writes
// each time; and every write woke the CaughtUp, which walked them all again. The work is
// counted in writes walked (Runner.walked), not timed.
func TestRunner_sagaBacklogWorkIsLinear(t *testing.T) {
	for _, resumed := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumed=%v", resumed), func(t *testing.T) {
			const n = 2000
			r := NewRunner(nil)
			proj := &processor{name: "p", kind: KindProjection, pos: n}
			saga := &processor{name: "s", kind: KindSaga}
			r.procs = []*processor{proj, saga}
			if resumed { // as resume records a checkpoint at the first event
				saga.pos = 1
				saga.recordLocked(1, span{last: n})
			}
			caughtUp, settle := waitingFor(t, r, n)
			// The saga handles the backlog, each event's command written at the log's end,
			// which the projection applies at once.
			end := store.Position(n)
			for e := saga.pos + 1; e <= n; e++ {
				end++
				r.advance(saga, e, "", []span{{first: end, last: end}})
				settle()
				r.advanceAll([]*processor{proj}, end, "")
				settle()
			}
			// Then it handles what it wrote, which causes nothing.
			for e := store.Position(n + 1); e <= end; e++ {
				r.advance(saga, e, "", nil)
				settle()
			}
			if err := <-caughtUp; err != nil {
				t.Fatalf("WaitFor(%d): %v", n, err)
			}
			r.mu.Lock()
			walked, kept := r.walked, len(saga.writes)
			r.mu.Unlock()
			if walked > 20*n {
				t.Errorf("walked %d writes for a backlog of %d events, over %d: the work grows faster than the backlog", walked, n, 20*n)
			}
			if kept != 0 {
				t.Errorf("the saga keeps %d writes with every processor at the end", kept)
			}
			t.Logf("walked %d writes for %d events", walked, n)
		})
	}
}

// A chain of sagas catching up with a backlog, the second reacting to the first's writes
// from further and further behind (it handles a position while the first writes one and it
// writes one), costs the Runner's bookkeeping work in proportion to the backlog too. It was
// quadratic both ways: after a checkpoint, advance walked every write at each event to find
// that the first saga's first write still led beyond the processors (it now keeps what it
// found until they pass it); from the start, each write's walk looked at every write between
// its event and its reach, which grew with the distance between the sagas (the walk now
// skips to the next span that can hold a write it led to); and each write a walk came to
// looked at every span found so far (they now wait in a heap). 2,000 events walked 1,001,083
// and 11,362,821 writes before (not counting the spans); 21,347 and 49,858 writes and spans
// after, 85,390 and 199,520 for 8,000 events.
func TestRunner_chainedSagaBacklogWorkIsLinear(t *testing.T) {
	for _, resumed := range []bool{false, true} {
		t.Run(fmt.Sprintf("resumed=%v", resumed), func(t *testing.T) {
			const n = 2000
			r := NewRunner(nil)
			proj := &processor{name: "p", kind: KindProjection}
			first := &processor{name: "first", kind: KindSaga}
			second := &processor{name: "second", kind: KindSaga, pos: n} // it reacts to first's writes only
			r.procs = []*processor{proj, first, second}
			if resumed {
				first.pos = 1
				first.recordLocked(1, span{last: n})
				second.recordLocked(1, span{last: n})
			}
			caughtUp, settle := waitingFor(t, r, n)
			end := store.Position(n)
			byFirst := make(map[store.Position]bool)
			write := func() []span {
				end++
				return []span{{first: end, last: end}}
			}
			step := func() { // second handles its next position, if any, then the projection all
				if second.pos < end {
					var w []span
					if byFirst[second.pos+1] {
						w = write()
					}
					r.advance(second, second.pos+1, "", w)
					settle()
				}
				r.advanceAll([]*processor{proj}, end, "")
				settle()
			}
			for e := first.pos + 1; e <= n; e++ {
				w := write()
				byFirst[end] = true
				r.advance(first, e, "", w)
				settle()
				step()
			}
			for first.pos < end || second.pos < end {
				if first.pos < end {
					r.advance(first, first.pos+1, "", nil)
					settle()
				}
				step()
			}
			if err := <-caughtUp; err != nil {
				t.Fatalf("WaitFor(%d): %v", n, err)
			}
			r.mu.Lock()
			walked := r.walked
			r.mu.Unlock()
			if walked > 40*n {
				t.Errorf("walked %d writes and spans for a backlog of %d events, over %d: the work grows faster than the backlog", walked, n, 40*n)
			}
			t.Logf("walked %d writes and spans for %d events", walked, n)
		})
	}
}

// waitingFor starts the Runner's one WaitFor(p), bounded, and returns the channel it returns
// on and its settler.
func waitingFor(t *testing.T, r *Runner, p store.Position) (chan error, func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	caughtUp := make(chan error, 1)
	go func() { caughtUp <- r.WaitFor(ctx, p) }()
	return caughtUp, settler(r, caughtUp)
}

// settler returns a function that returns once the WaitFor that sends to caughtUp waits
// again, when a step woke it, or returned: each wake then costs what it costs, whatever the
// scheduler does. The WaitFor must be the Runner's only one.
func settler(r *Runner, caughtUp chan error) func() {
	var asleep chan struct{}
	settle := func() {
		for {
			r.mu.Lock()
			ch, registered := r.changed, r.waiters == 1 && r.waitLow != math.MaxInt64
			r.mu.Unlock()
			if (registered && ch != asleep) || ch == asleep || len(caughtUp) > 0 {
				if registered {
					asleep = ch
				}
				return
			}
			runtime.Gosched()
		}
	}
	asleep = make(chan struct{}) // none yet: wait for the first registration
	settle()
	return settle
}
