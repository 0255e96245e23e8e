package eventsourcing

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
)

// Snapshot is a view's state after a stream's event.
type Snapshot[S any] struct {
	State    S
	Version  store.Version  // the stream's version the state reflects
	Position store.Position // the position of the stream's last event the state reflects (see WatchFrom)
	// Created is the time of the stream's first event and Updated that of its last event
	// the state reflects: zero when no event was read, as of a start given without them.
	Created, Updated time.Time
}

// Watch yields the state of one stream's view, now and after each later change.
//
// As iteration begins, it reads the log's head H, folds the stream's events up to H and,
// when the stream exists, yields that Snapshot: it reflects every event committed before
// then. (To start at an earlier moment, such as when a subscription is accepted, read the
// head then and use WatchAt.) Then it
// yields one Snapshot after each later event of the stream, as it is committed, until ctx
// ends. Events whose type codec does not handle move the version on without changing the
// state (and still yield a Snapshot).
//
// When ctx ends the sequence just ends: ctx's error is not yielded. Any other failure (of
// the store, or a decode error) is yielded once as the error of a zero Snapshot and ends the
// sequence. It holds one state at a time and leaks no goroutine when the caller stops early.
// When the view's Evolve updates maps or slices in place, a Snapshot's State shares them with
// later snapshots: copy what must outlive the next iteration.
func Watch[S, E any](ctx context.Context, s store.Store, stream string, view decider.View[S, E], codec Codec[E]) iter.Seq2[Snapshot[S], error] {
	return WatchFrom(ctx, s, stream, Snapshot[S]{State: view.InitialState}, view, codec)
}

// WatchFrom is Watch starting from a state the caller already holds: start is the view's
// state after the stream's first start.Version events (a read model's copy, say), read
// before the call. Only the stream's later events are read and folded into it, so a watch
// of a long stream does not fold it from its first event. When no event follows
// start.Version, the first Snapshot is start as given, Position included: set it to the
// position of the stream's event start.Version if Position matters to you (0 says unknown).
// WatchFrom does not read it, which would cost a read of the stream per watch.
func WatchFrom[S, E any](ctx context.Context, s store.Store, stream string, start Snapshot[S], view decider.View[S, E], codec Codec[E]) iter.Seq2[Snapshot[S], error] {
	return func(yield func(Snapshot[S], error) bool) {
		head, err := store.Head(ctx, s)
		if err != nil {
			if ctx.Err() == nil {
				yield(Snapshot[S]{}, fmt.Errorf("eventsourcing: watch %s: head: %w", stream, err))
			}
			return
		}
		watch(ctx, s, stream, start, head, view, codec, yield)
	}
}

// WatchAt is WatchFrom starting at a head the caller read (with Head) when the watch was to
// start: the first Snapshot reflects the stream's events up to head, and one follows each
// event after it. Watch and WatchFrom read the head only as iteration begins, which may be
// later: a server that accepts a subscription and runs it on another goroutine reads the head
// as it accepts, so that a client told the subscription is live gets every later change.
func WatchAt[S, E any](ctx context.Context, s store.Store, stream string, start Snapshot[S], head store.Position, view decider.View[S, E], codec Codec[E]) iter.Seq2[Snapshot[S], error] {
	return func(yield func(Snapshot[S], error) bool) {
		watch(ctx, s, stream, start, head, view, codec, yield)
	}
}

// watch is WatchAt's iteration.
func watch[S, E any](ctx context.Context, s store.Store, stream string, start Snapshot[S], head store.Position, view decider.View[S, E], codec Codec[E], yield func(Snapshot[S], error) bool) {
	fail := func(err error) {
		if ctx.Err() == nil {
			yield(Snapshot[S]{}, err)
		}
	}
	snap := start
	evolve := func(e store.Event) error {
		if codec.Handles(e.Type) {
			ev, err := codec.Decode(e.Type, e.Data)
			if err != nil {
				return fmt.Errorf("eventsourcing: watch %s: decode %s event %d: %w", stream, e.Type, e.Version, err)
			}
			snap.State = view.Evolve(snap.State, ev)
		}
		snap.Version, snap.Position, snap.Updated = e.Version, e.Position, e.Time
		if e.Version == 1 {
			snap.Created = e.Time
		}
		return nil
	}
	for e, err := range s.ReadStream(ctx, stream, start.Version) {
		if err != nil {
			fail(fmt.Errorf("eventsourcing: watch %s: read: %w", stream, err))
			return
		}
		if e.Position > head {
			break
		}
		if err := evolve(e); err != nil {
			fail(err)
			return
		}
	}
	if snap.Version > 0 && !yield(snap, nil) {
		return
	}
	for e, err := range store.SubscribeReadOnly(ctx, s, head) {
		if err != nil {
			fail(fmt.Errorf("eventsourcing: watch %s: subscribe: %w", stream, err))
			return
		}
		if e.StreamID != stream || e.Version <= snap.Version {
			continue // another stream's, or already in start
		}
		if err := evolve(e); err != nil {
			fail(err)
			return
		}
		if !yield(snap, nil) {
			return
		}
	}
}
