package eventsourcing_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// Two processes over one log (here: two handlers, each with the index a process has) get the
// same command, same id, same expectedVersion — a client retrying against another replica.
// The first writes; the second loses the append race and, because the version is pinned,
// returned the ConflictError without looking at the log again, although the log then held
// the first result of that very command id ("concurrent repeats all see the first result").
func TestHandler_pinnedRepeatLosingTheRaceGetsTheFirstResult(t *testing.T) {
	s := newStore(t)
	h1 := newCounterHandler(s)
	mustHandle(t, h1, createCounter{ID: "a"}, eventsourcing.Meta{})

	f := &faultyStore{Store: s}
	h2 := newCounterHandler(f) // another process: its own index and cache
	cmd := addToCounter{ID: "a", N: 1}
	meta := eventsourcing.Meta{CommandID: "client-cmd-1", ExpectedVersion: version(1)}
	var once atomic.Bool
	var first eventsourcing.Result
	f.beforeAppend = func(string) error {
		if once.CompareAndSwap(false, true) {
			first = mustHandle(t, h1, cmd, meta) // the other replica wins the race
		}
		return nil
	}
	res, err := h2.Handle(context.Background(), cmd, meta)
	if err != nil {
		t.Fatalf("repeat of an accepted command id: %v; want the first result (Duplicate) at position %d", err, first.Position)
	}
	if !res.Duplicate || res.Position != first.Position {
		t.Fatalf("result %+v; want duplicate of %+v", res, first)
	}
	if n := len(readStream(t, s, "counter-a")); n != 2 {
		t.Fatalf("stream has %d events, want 2", n)
	}
}

// Meta.ExpectedVersion = store.Any (or StreamExists) does not pin a version: a race lost to
// another writer is retried. It failed with a ConflictError naming a version the caller
// never asked for.
func TestHandler_expectedVersionAnyRetriesALostRace(t *testing.T) {
	for _, ev := range []store.Version{store.Any, store.StreamExists} {
		s := newStore(t)
		f := &faultyStore{Store: s}
		h := newCounterHandler(f)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		var once atomic.Bool
		f.beforeAppend = func(stream string) error {
			if once.CompareAndSwap(false, true) {
				// another writer wins the race
				_, err := s.Append(context.Background(), stream, store.Any, store.EventData{Type: "Other", Data: []byte(`{}`)})
				return err
			}
			return nil
		}
		_, err := h.Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{ExpectedVersion: version(ev)})
		if err != nil {
			t.Errorf("expected version %d: Handle: %v; want the lost race retried (Any/StreamExists pin no version)", ev, err)
		}
	}
}

// A conflict with the version the command pinned is not transient: the same command fails
// again whatever the wait. One lost after the retries of an unpinned command is: a later
// try may win. IsTransient said transient for both, so a saga (or a caller's retry loop)
// whose command pinned a version it had missed retried it for ever.
func TestHandler_pinnedConflictIsNotTransient(t *testing.T) {
	otherWriter := func(s store.Store) func(string) error {
		var once atomic.Bool
		return func(stream string) error {
			if once.CompareAndSwap(false, true) { // another writer wins the race
				_, err := s.Append(context.Background(), stream, store.Any, store.EventData{Type: "Other", Data: []byte(`{}`)})
				return err
			}
			return nil
		}
	}
	tests := []struct {
		name          string
		meta          eventsourcing.Meta
		race          bool // another writer appends between the load and the append
		cmd           counterCmd
		wantTransient bool
	}{
		{"a pinned version the stream has moved past", eventsourcing.Meta{ExpectedVersion: version(2)}, false, addToCounter{ID: "a", N: 1}, false},
		{"a pinned version, the race lost at the append", eventsourcing.Meta{ExpectedVersion: version(1)}, true, addToCounter{ID: "a", N: 1}, false},
		// NoStream (0) pins a version too: the stream's absence.
		{"a new stream, the race lost at the append", eventsourcing.Meta{ExpectedVersion: version(store.NoStream)}, true, createCounter{ID: "b"}, false},
		{"a reused command id under a pinned version", eventsourcing.Meta{CommandID: "first", ExpectedVersion: version(2)}, false, addToCounter{ID: "a", N: 2}, false},
		{"an unpinned race lost after the retries", eventsourcing.Meta{}, true, addToCounter{ID: "a", N: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			f := &faultyStore{Store: s}
			h := newCounterHandler(f, eventsourcing.WithMaxRetries(0))
			mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{CommandID: "first"})
			if tt.race {
				f.beforeAppend = otherWriter(s)
			}
			_, err := h.Handle(context.Background(), tt.cmd, tt.meta)
			ce, ok := errors.AsType[*store.ConflictError](err)
			if !ok || !errors.Is(err, store.ErrConflict) {
				t.Fatalf("Handle: %v; want a *store.ConflictError", err)
			}
			if tt.meta.ExpectedVersion != nil && ce.Expected != *tt.meta.ExpectedVersion {
				t.Errorf("conflict %+v, want Expected %d (the pinned version)", ce, *tt.meta.ExpectedVersion)
			}
			if got := eventsourcing.IsTransient(err); got != tt.wantTransient {
				t.Errorf("IsTransient(%v) = %v, want %v", err, got, tt.wantTransient)
			}
		})
	}
}
