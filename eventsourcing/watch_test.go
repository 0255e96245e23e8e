package eventsourcing_test

import (
	"context"
	"errors"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

type counterSnapshot = eventsourcing.Snapshot[counterState]

// watchInto runs Watch in a goroutine and sends what it yields on a channel; it returns
// when the watch has read the head, so later commands are "after the call".
func watchInto(tb testing.TB, ctx context.Context, s store.Store, stream string) (<-chan counterSnapshot, <-chan error) {
	tb.Helper()
	snaps := make(chan counterSnapshot, 16)
	errs := make(chan error, 1)
	go func() {
		defer close(snaps)
		for snap, err := range eventsourcing.Watch(ctx, s, stream, counterView(), counterCodec{}) {
			if err != nil {
				errs <- err
				return
			}
			snaps <- snap
		}
	}()
	return snaps, errs
}

func next(tb testing.TB, snaps <-chan counterSnapshot) counterSnapshot {
	tb.Helper()
	select {
	case s, ok := <-snaps:
		if !ok {
			tb.Fatal("the watch ended")
		}
		return s
	case <-time.After(10 * time.Second):
		tb.Fatal("no snapshot")
	}
	return counterSnapshot{}
}

// untimed returns snap without its times, which TestWatch_times checks.
func untimed(snap counterSnapshot) counterSnapshot {
	snap.Created, snap.Updated = time.Time{}, time.Time{}
	return snap
}

func TestWatch(t *testing.T) {
	t.Run("the current state first, then one snapshot per change of the stream", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{})
		ctx, cancel := context.WithCancel(context.Background())
		snaps, errs := watchInto(t, ctx, s, "counter-a")
		first := next(t, snaps)
		want := counterSnapshot{State: counterState{Exists: true, Value: 2}, Version: 3, Position: 3}
		if untimed(first) != want {
			t.Fatalf("first snapshot %+v, want %+v", first, want)
		}
		mustHandle(t, h, createCounter{ID: "b"}, eventsourcing.Meta{}) // another stream: no snapshot
		mustHandle(t, h, addToCounter{ID: "a", N: 10}, eventsourcing.Meta{})
		if got, want := untimed(next(t, snaps)), (counterSnapshot{State: counterState{Exists: true, Value: 12}, Version: 4, Position: 5}); got != want {
			t.Fatalf("next snapshot %+v, want %+v", got, want)
		}
		cancel()
		for range snaps {
		}
		select {
		case err := <-errs:
			t.Fatalf("the watch yielded %v when its context ended, want nothing", err)
		default:
		}
	})

	t.Run("a stream that does not exist yet yields from its creation", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		snaps, _ := watchInto(t, ctx, s, "counter-late")
		mustHandle(t, h, createCounter{ID: "other"}, eventsourcing.Meta{})
		mustHandle(t, h, createCounter{ID: "late"}, eventsourcing.Meta{})
		if got, want := untimed(next(t, snaps)), (counterSnapshot{State: counterState{Exists: true}, Version: 1, Position: 2}); got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})

	t.Run("an event the codec does not handle moves the version on and yields a snapshot", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		other := store.EventData{Type: "CounterRenamed", Data: []byte(`{"name":"x"}`)}
		if _, err := s.Append(context.Background(), "counter-a", 1, other); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		snaps, _ := watchInto(t, ctx, s, "counter-a")
		if got, want := untimed(next(t, snaps)), (counterSnapshot{State: counterState{Exists: true}, Version: 2, Position: 2}); got != want {
			t.Fatalf("first snapshot %+v, want %+v", got, want)
		}
		if _, err := s.Append(context.Background(), "counter-a", 2, other); err != nil {
			t.Fatal(err)
		}
		if got, want := untimed(next(t, snaps)), (counterSnapshot{State: counterState{Exists: true}, Version: 3, Position: 3}); got != want {
			t.Fatalf("snapshot after an event the codec does not handle %+v, want %+v", got, want)
		}
	})

	t.Run("events committed after the head are not folded twice", func(t *testing.T) {
		// Whatever the interleaving, the version increases by one per snapshot.
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range 20 {
				mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
			}
		}()
		var last counterSnapshot
		for snap, err := range eventsourcing.Watch(ctx, s, "counter-a", counterView(), counterCodec{}) {
			if err != nil {
				t.Fatal(err)
			}
			if last.Version != 0 && snap.Version != last.Version+1 {
				t.Fatalf("version %d after %d", snap.Version, last.Version)
			}
			if snap.State.Value != int(snap.Version)-1 {
				t.Fatalf("snapshot %+v: value does not match the version", snap)
			}
			last = snap
			if snap.Version == 21 {
				break
			}
		}
		<-done
	})

	t.Run("failures are yielded once", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Append(context.Background(), "counter-a", store.NoStream, store.EventData{Type: "CounterCreated", Data: []byte(`[]`)}); err != nil {
			t.Fatal(err)
		}
		for name, st := range map[string]store.Store{
			"decode":    s,
			"read":      &faultyStore{Store: s, readErrs: 1},
			"subscribe": &faultyStore{Store: newStore(t), subscribeErrs: 1},
		} {
			n := 0
			var got error
			for _, err := range eventsourcing.Watch(context.Background(), st, "counter-a", counterView(), counterCodec{}) {
				n++
				got = err
			}
			if n != 1 || got == nil {
				t.Errorf("%s: %d values, last error %v; want one error", name, n, got)
			}
		}
		closed := newStore(t)
		_ = closed.Close()
		for _, err := range eventsourcing.Watch(context.Background(), closed, "counter-a", counterView(), counterCodec{}) {
			if !errors.Is(err, store.ErrClosed) {
				t.Errorf("closed store: got %v, want ErrClosed", err)
			}
		}
	})
}

// streamReadCounter counts the events its ReadStream yields.
type streamReadCounter struct {
	store.Store
	read atomic.Int64
}

func (c *streamReadCounter) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range c.Store.ReadStream(ctx, stream, after) {
			c.read.Add(1)
			if !yield(e, err) {
				return
			}
		}
	}
}

func TestWatchFrom(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	for range 9 {
		mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	}
	// The state after the first 7 events, as a read model would hold it.
	start := counterSnapshot{State: counterState{Exists: true, Value: 6}, Version: 7}
	c := &streamReadCounter{Store: s}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, stop := iter.Pull2(eventsourcing.WatchFrom(ctx, c, "counter-a", start, counterView(), counterCodec{}))
	defer stop()
	first, err, _ := next()
	if want := (counterSnapshot{State: counterState{Exists: true, Value: 9}, Version: 10, Position: 10}); err != nil || untimed(first) != want {
		t.Fatalf("first snapshot %+v, %v; want %+v", first, err, want)
	}
	if n := c.read.Load(); n != 3 {
		t.Errorf("read %d events of the stream, want the 3 after the start", n)
	}
	mustHandle(t, h, addToCounter{ID: "a", N: 5}, eventsourcing.Meta{})
	if got, err, _ := next(); err != nil || got.State.Value != 14 || got.Version != 11 {
		t.Fatalf("next snapshot %+v, %v; want value 14 at version 11", got, err)
	}
}

// A start that no later event follows is yielded first as given, Position included (0 says
// unknown: see WatchFrom). Its doc had said that start.Position is not used.
func TestWatchFrom_startAsGiven(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	mustHandle(t, h, createCounter{ID: "other"}, eventsourcing.Meta{})
	res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{}) // position 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, start := range []counterSnapshot{
		{State: counterState{Exists: true}, Version: 1},
		{State: counterState{Exists: true}, Version: 1, Position: res.Position},
	} {
		next, stop := iter.Pull2(eventsourcing.WatchFrom(ctx, s, "counter-a", start, counterView(), counterCodec{}))
		first, err, _ := next()
		stop()
		if err != nil || first != start {
			t.Errorf("first snapshot %+v, %v; want the start %+v", first, err, start)
		}
	}
}

// A start read after the head given to WatchAt (a read model's copy, newer than the head
// read as the subscription was accepted) holds events the live subscription yields again:
// they are not folded twice, nor yielded.
func TestWatchAt_startNewerThanTheHead(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	head := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{}).Position
	added := mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	start := counterSnapshot{State: counterState{Exists: true, Value: 1}, Version: added.Version, Position: added.Position}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next, stop := iter.Pull2(eventsourcing.WatchAt(ctx, s, "counter-a", start, head, counterView(), counterCodec{}))
	defer stop()
	if first, err, _ := next(); err != nil || first != start {
		t.Fatalf("first snapshot %+v, %v; want the start %+v", first, err, start)
	}
	mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	if got, err, _ := next(); err != nil || got.State.Value != 2 || got.Version != 3 {
		t.Fatalf("next snapshot %+v, %v; want value 2 at version 3: the event of version 2 is in the start", got, err)
	}
}

func TestRunner_WaitFor_sagaChains(t *testing.T) {
	// mirror creates mirror-<id>; bump adds 1 to every mirror created. WaitFor on the
	// original command covers both.
	a := newCounterApp(t, newStore(t), nil)
	bump := eventsourcing.NewSaga("bump", bumpSaga(), counterCodec{}, a.handler.Handle, fastBackoff)
	a.runner.AddSaga(bump)
	startRunner(t, a.runner)
	res := mustHandle(t, a.handler, createCounter{ID: "a"}, eventsourcing.Meta{})
	waitFor(t, a.runner, res.Position)
	if v, ok := a.totals.get("mirror-a"); !ok || v != 1 {
		t.Fatalf("mirror-a = %d (%v) after WaitFor, want 1", v, ok)
	}
}

// A snapshot carries the times of its stream's first event and of the last event it
// reflects (a read model's createdAt and updatedAt, for a subscription that follows it).
func TestWatch_times(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	times := func(t *testing.T) []time.Time {
		t.Helper()
		var out []time.Time
		for e, err := range s.ReadStream(context.Background(), "counter-a", 0) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, e.Time)
		}
		return out
	}
	check := func(t *testing.T, what string, snap counterSnapshot) {
		t.Helper()
		ts := times(t)
		if !snap.Created.Equal(ts[0]) || !snap.Updated.Equal(ts[snap.Version-1]) {
			t.Errorf("%s: created %v, updated %v; want %v and %v, the times of events 1 and %d", what, snap.Created, snap.Updated, ts[0], ts[snap.Version-1], snap.Version)
		}
	}
	loaded, err := eventsourcing.Load(context.Background(), s, "counter-a", counterView(), counterCodec{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "Load", loaded)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	snaps, _ := watchInto(t, ctx, s, "counter-a")
	check(t, "Watch's first snapshot", next(t, snaps))
	mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
	check(t, "Watch's next snapshot", next(t, snaps))

	// A start given with its times keeps its creation time: the stream is read after it.
	start := counterSnapshot{State: counterState{Exists: true}, Version: 1, Created: times(t)[0], Updated: times(t)[0]}
	from, stop := iter.Pull2(eventsourcing.WatchFrom(ctx, s, "counter-a", start, counterView(), counterCodec{}))
	defer stop()
	first, err, _ := from()
	if err != nil {
		t.Fatal(err)
	}
	check(t, "WatchFrom's first snapshot", first)
}
