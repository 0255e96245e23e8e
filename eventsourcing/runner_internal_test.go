package eventsourcing

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// TestProcessor_writtenUpTo checks the lookup against its definition: the highest position
// written while handling the events up to p, from the writes kept and the last one dropped.
func TestProcessor_writtenUpTo(t *testing.T) {
	q := &processor{
		pruned: sagaWrite{event: 3, written: 10},
		writes: []sagaWrite{{event: 5, written: 12}, {event: 6, written: 14}, {event: 9, written: 20}},
	}
	for p, want := range map[store.Position]store.Position{
		0: 0, 2: 0, // before every write
		3: 10, 4: 10, // the dropped write
		5: 12, 6: 14, 7: 14, 8: 14, 9: 20, 100: 20,
	} {
		if got := q.writtenUpTo(p); got != want {
			t.Errorf("writtenUpTo(%d) = %d, want %d", p, got, want)
		}
	}
	empty := &processor{}
	if got := empty.writtenUpTo(5); got != 0 {
		t.Errorf("writtenUpTo(5) with no writes = %d, want 0", got)
	}
	onlyPruned := &processor{pruned: sagaWrite{event: 3, written: 10}}
	if got := onlyPruned.writtenUpTo(5); got != 10 {
		t.Errorf("writtenUpTo(5) with only a dropped write = %d, want 10", got)
	}
}

// TestRunner_WaitForIsWokenAtItsPosition checks that a processor advancing short of every
// waiting position wakes nobody (a CaughtUp during a long catch-up would be woken at every
// event), and that reaching the lowest one wakes its waiter alone.
func TestRunner_WaitForIsWokenAtItsPosition(t *testing.T) {
	r := NewRunner(nil)
	q := &processor{name: "p", kind: KindProjection}
	r.procs = []*processor{q}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	waiting := func(n int) chan struct{} {
		for {
			r.mu.Lock()
			w, ch := r.waiters, r.changed
			r.mu.Unlock()
			if w == n {
				return ch
			}
			runtime.Gosched()
		}
	}
	far, near := make(chan error, 1), make(chan error, 1)
	go func() { far <- r.WaitFor(ctx, 100) }()
	waiting(1)
	go func() { near <- r.WaitFor(ctx, 30) }()
	ch := waiting(2)

	r.advanceAll([]*processor{q}, 29, "e29")
	r.mu.Lock()
	woken := r.changed != ch
	r.mu.Unlock()
	if woken {
		t.Fatal("advancing to 29 woke the waiters for 30 and 100")
	}
	r.advanceAll([]*processor{q}, 30, "e30")
	if err := <-near; err != nil {
		t.Fatalf("WaitFor(30): %v", err)
	}
	ch = waiting(1) // the waiter for 100, woken too, waits again
	r.advanceAll([]*processor{q}, 99, "e99")
	select {
	case err := <-far:
		t.Fatalf("WaitFor(100) returned %v at 99", err)
	default:
	}
	r.mu.Lock()
	woken = r.changed != ch
	r.mu.Unlock()
	if woken {
		t.Fatal("advancing to 99 woke the waiter for 100")
	}
	r.advanceAll([]*processor{q}, 100, "e100")
	if err := <-far; err != nil {
		t.Fatalf("WaitFor(100): %v", err)
	}
}

// TestRunner_keepsWritesOfAChainOfSagas checks that a saga's write is not forgotten while a
// write it caused (another saga's, handling it) is not processed everywhere: a WaitFor for
// the first event must wait for both hops, also once the first saga has gone on.
func TestRunner_keepsWritesOfAChainOfSagas(t *testing.T) {
	r := NewRunner(nil)
	proj := &processor{name: "p", kind: KindProjection}
	first := &processor{name: "first", kind: KindSaga}
	second := &processor{name: "second", kind: KindSaga}
	r.procs = []*processor{proj, first, second}
	reached := func(p store.Position) (bool, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.reachedLocked(p)
	}
	r.advance(first, 906, "e906", 922)  // handling 906, the first saga wrote 922
	r.advance(first, 910, "e910", 924)  // and handling 910, 924
	r.advance(second, 922, "e922", 938) // handling 922, the second saga wrote 938
	r.advanceAll([]*processor{proj}, 930, "e930")
	r.advance(second, 930, "e930", 0)
	r.advance(first, 930, "e930", 0) // every processor is past 922 and 924, none at 938
	if done, err := reached(906); done || err != nil {
		t.Fatalf("reached(906) = %v, %v with the projection at 930; want false: 906 led to 938", done, err)
	}
	r.advanceAll([]*processor{proj}, 938, "e938")
	r.advance(second, 938, "e938", 0)
	r.advance(first, 938, "e938", 0)
	if done, err := reached(906); !done || err != nil {
		t.Fatalf("reached(906) = %v, %v with every processor at 938; want true", done, err)
	}
	// A saga forgets its writes as it advances, once all they led to is processed.
	r.advance(first, 939, "e939", 0)
	r.advance(second, 939, "e939", 0)
	if n := len(first.writes) + len(second.writes); n != 0 {
		t.Errorf("%d writes kept once every processor processed all they led to, want 0", n)
	}
}

// TestRunner_stoppedProcessor checks what a stopped processor does to WaitFor: a WaitFor
// it cannot satisfy fails at once with ErrProcessorStopped, wherever the processor is in
// the list; and the sagas' writes after its position, which no WaitFor can need, are not
// kept (they would grow for ever), while those before it are.
func TestRunner_stoppedProcessor(t *testing.T) {
	r := NewRunner(nil)
	slow := &processor{name: "slow", kind: KindSaga} // running, behind everything asked
	saga := &processor{name: "saga", kind: KindSaga}
	proj := &processor{name: "p", kind: KindProjection}
	r.procs = []*processor{slow, saga, proj} // running ones before the stopped one
	reached := func(p store.Position) (bool, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.reachedLocked(p)
	}
	r.advance(saga, 5, "e5", 12) // handling 5, the saga wrote 12
	r.advanceAll([]*processor{proj}, 10, "e10")
	r.stopProjection(proj, store.Event{Position: 11}, errors.New("boom"))
	for pos := store.Position(6); pos <= 5000; pos++ {
		r.advance(saga, pos, "e", pos+1000) // every later event writes
	}
	if n := len(saga.writes); n != 6 {
		t.Errorf("the saga keeps %d writes with a projection stopped at 10, want the 6 for events 5 to 10", n)
	}
	for _, tt := range []struct {
		p    store.Position
		want error
	}{
		{3, nil},                    // nothing written because of it: only the slow saga is behind
		{5, ErrProcessorStopped},    // led to 12, beyond the stopped projection
		{10, ErrProcessorStopped},   // the saga wrote 1010 handling events up to it
		{4000, ErrProcessorStopped}, // beyond the stopped projection
	} {
		done, err := reached(tt.p)
		if !errors.Is(err, tt.want) || done {
			t.Errorf("reached(%d) = %v, %v; want false, %v", tt.p, done, err, tt.want)
		}
	}
	r.advance(slow, 3, "e3", 0)
	if done, err := reached(3); !done || err != nil {
		t.Errorf("reached(3) = %v, %v once every processor is there; want true", done, err)
	}
}
