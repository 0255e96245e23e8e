package eventsourcing

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// TestRunner_reach checks the closure of events through the sagas' writes against its
// definition: what the sagas wrote while handling the events asked about, what they wrote
// while handling that, and so on, but nothing for other events, even those in between.
func TestRunner_reach(t *testing.T) {
	write := func(event, first, last store.Position) sagaWrite {
		return sagaWrite{event: event, span: span{first, last}}
	}
	a := &processor{name: "a", kind: KindSaga}
	for _, w := range []sagaWrite{write(5, 7, 7), write(6, 9, 9), write(8, 12, 12), write(8, 13, 13)} {
		a.recordLocked(w.event, w.span)
	}
	b := &processor{name: "b", kind: KindSaga}
	for _, w := range []sagaWrite{write(7, 10, 11), write(10, 15, 15), write(12, 14, 14)} {
		b.recordLocked(w.event, w.span)
	}
	r := NewRunner(nil)
	r.procs = []*processor{{name: "p", kind: KindProjection}, a, b}
	for _, tt := range []struct {
		from, to, want store.Position
	}{
		{1, 0, 0},
		{1, 4, 4},   // nothing written because of events 1 to 4
		{1, 5, 15},  // 5 → 7 → 10..11 → 15; not 6 → 9 nor 8 → 12 → 14
		{1, 6, 15},  // and 6 → 9
		{1, 8, 15},  // and 8 → 12 → 14, 8 → 13
		{6, 6, 9},   // 6 alone
		{8, 8, 14},  // 8 → 12 and 13, 12 → 14
		{7, 7, 15},  // 7 → 10..11 → 15
		{9, 9, 9},   // 9 caused nothing
		{1, 20, 20}, // beyond every write
		{16, 20, 20},
	} {
		if got := r.reachLocked(tt.from, tt.to); got != tt.want {
			t.Errorf("reach(%d..%d) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
	// A saga that does not say which positions its command wrote has written every one after
	// the event; and a repeat's events, written before the event, count for nothing.
	c := &processor{}
	c.recordLocked(5, span{last: 9})
	c.recordLocked(6, span{first: 2, last: 3})
	c.recordLocked(7, span{first: 4, last: 8})
	want := []sagaWrite{{event: 5, span: span{6, 9}, upTo: 9}, {event: 7, span: span{8, 8}, upTo: 9}}
	if !slices.Equal(c.writes, want) {
		t.Errorf("writes %+v, want %+v", c.writes, want)
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
	far, near := make(chan error, 1), make(chan error, 1)
	go func() { far <- r.WaitFor(ctx, 100) }()
	asleepOn(r, 1)
	go func() { near <- r.WaitFor(ctx, 30) }()
	ch := asleepOn(r, 2)

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
	ch = asleepOn(r, 1) // the waiter for 100, woken too, waits again
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
	r.advance(first, 906, "e906", wrote(922))  // handling 906, the first saga wrote 922
	r.advance(first, 910, "e910", wrote(924))  // and handling 910, 924
	r.advance(second, 922, "e922", wrote(938)) // handling 922, the second saga wrote 938
	r.advanceAll([]*processor{proj}, 930, "e930")
	r.advance(second, 930, "e930", nil)
	r.advance(first, 930, "e930", nil) // every processor is past 922 and 924, none at 938
	if done, err := reached(906); done || err != nil {
		t.Fatalf("reached(906) = %v, %v with the projection at 930; want false: 906 led to 938", done, err)
	}
	r.advanceAll([]*processor{proj}, 938, "e938")
	r.advance(second, 938, "e938", nil)
	r.advance(first, 938, "e938", nil)
	if done, err := reached(906); !done || err != nil {
		t.Fatalf("reached(906) = %v, %v with every processor at 938; want true", done, err)
	}
	// A saga forgets its writes as it advances, once all they led to is processed.
	r.advance(first, 939, "e939", nil)
	r.advance(second, 939, "e939", nil)
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
	r.advance(saga, 5, "e5", wrote(12)) // handling 5, the saga wrote 12
	r.advanceAll([]*processor{proj}, 10, "e10")
	r.stopProjection(proj, store.Event{Position: 11}, errors.New("boom"))
	for pos := store.Position(6); pos <= 5000; pos++ {
		r.advance(saga, pos, "e", wrote(pos+1000)) // every later event writes
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
	r.advance(slow, 3, "e3", nil)
	if done, err := reached(3); !done || err != nil {
		t.Errorf("reached(3) = %v, %v once every processor is there; want true", done, err)
	}
}

// wrote returns what a saga that does not say which positions it wrote returns: up to last.
func wrote(last store.Position) []span { return []span{{last: last}} }

// TestRunner_WaitForIsWokenAtItsPositionWhenAFartherOneWaitsToo is the test above with the
// waiters in the other order: the lower position waits first. A later WaitFor for a farther
// position must lower waitLow, never raise it, or the first waiter is not woken when the
// processors reach its position, and waits until they reach the farther one.
func TestRunner_WaitForIsWokenAtItsPositionWhenAFartherOneWaitsToo(t *testing.T) {
	r := NewRunner(nil)
	q := &processor{name: "p", kind: KindProjection}
	r.procs = []*processor{q}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	near, far := make(chan error, 1), make(chan error, 1)
	go func() { near <- r.WaitFor(ctx, 30) }()
	asleepOn(r, 1)
	go func() { far <- r.WaitFor(ctx, 100) }()
	ch := asleepOn(r, 2)

	r.advanceAll([]*processor{q}, 30, "e30")
	r.mu.Lock()
	woken := r.changed != ch
	r.mu.Unlock()
	if !woken {
		t.Fatal("advancing to 30 did not wake the WaitFor(30) that waited before a WaitFor(100)")
	}
	if err := <-near; err != nil {
		t.Fatalf("WaitFor(30): %v", err)
	}
	r.advanceAll([]*processor{q}, 100, "e100")
	if err := <-far; err != nil {
		t.Fatalf("WaitFor(100): %v", err)
	}
}
