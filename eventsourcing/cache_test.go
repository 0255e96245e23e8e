package eventsourcing_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

func TestHandler_Handle_stateCache(t *testing.T) {
	for _, size := range []int{0, 1, 2, eventsourcing.DefaultStateCacheSize} {
		t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
			s := newStore(t)
			h := newCounterHandler(s, eventsourcing.WithStateCache(size))
			other := newCounterHandler(s) // another writer the cache must not hide
			for _, id := range []string{"a", "b", "c"} {
				mustHandle(t, h, createCounter{ID: id}, eventsourcing.Meta{})
			}
			for range 3 {
				for _, id := range []string{"a", "b", "c"} {
					mustHandle(t, h, addToCounter{ID: id, N: 100}, eventsourcing.Meta{})
					mustHandle(t, other, addToCounter{ID: id, N: 100}, eventsourcing.Meta{})
				}
			}
			// Each counter is at 600: adding 401 must be refused, 400 accepted.
			for _, id := range []string{"a", "b", "c"} {
				if _, err := h.Handle(context.Background(), addToCounter{ID: id, N: 401}, eventsourcing.Meta{ExpectedVersion: version(7)}); err != errTooBig {
					t.Fatalf("%s: got %v, want errTooBig (the state must be 600 at version 7)", id, err)
				}
				if res := mustHandle(t, h, addToCounter{ID: id, N: 400}, eventsourcing.Meta{}); res.Version != 8 {
					t.Fatalf("%s: version %d, want 8", id, res.Version)
				}
			}
		})
	}
	t.Run("a failed load is not cached", func(t *testing.T) {
		s := newStore(t)
		h := newCounterHandler(s)
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		if _, err := s.Append(context.Background(), "counter-a", 1, store.EventData{Type: "CounterAdded", Data: []byte(`"bad"`)}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := h.Handle(context.Background(), addToCounter{ID: "a", N: 1}, eventsourcing.Meta{}); err == nil {
				t.Fatal("a stream with an undecodable event was decided on")
			}
		}
	})
}

// TestHandler_Handle_stateCacheIsLeastRecentlyUsed: a full cache pushes out the stream used
// least recently, a command that wrote nothing counting as a use; and it holds as many
// streams as its size.
func TestHandler_Handle_stateCacheIsLeastRecentlyUsed(t *testing.T) {
	s := newSnapStore(t) // records the stream reads
	h := newCounterHandler(s, eventsourcing.WithStateCache(2))
	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	mustHandle(t, h, createCounter{ID: "b"}, eventsourcing.Meta{})
	mustHandle(t, h, addToCounter{ID: "a", N: 0}, eventsourcing.Meta{}) // a used after b; nothing written
	mustHandle(t, h, createCounter{ID: "c"}, eventsourcing.Meta{})      // pushes b out
	s.reads()
	for _, id := range []string{"a", "c"} {
		mustHandle(t, h, addToCounter{ID: id, N: 0}, eventsourcing.Meta{})
		if got := s.reads(); len(got) != 0 {
			t.Fatalf("counter %s was read from %v: want it cached", id, got)
		}
	}
	mustHandle(t, h, addToCounter{ID: "b", N: 0}, eventsourcing.Meta{})
	if got := s.reads(); !slices.Equal(got, []store.Version{0}) {
		t.Fatalf("counter b was read from %v, want from its start: the cache pushed it out", got)
	}
}

// TestWithStateCache_zeroDisablesTheCache: without a cache, every command folds its stream
// from the first event, and a negative size is taken as 0.
func TestWithStateCache_zeroDisablesTheCache(t *testing.T) {
	for _, size := range []int{0, -1} {
		t.Run(fmt.Sprintf("size %d", size), func(t *testing.T) {
			s := newSnapStore(t) // records the stream reads
			h := newCounterHandler(s, eventsourcing.WithStateCache(size))
			mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
			s.reads()
			for range 2 {
				mustHandle(t, h, addToCounter{ID: "a", N: 1}, eventsourcing.Meta{})
				if got := s.reads(); !slices.Equal(got, []store.Version{0}) {
					t.Fatalf("counter a was read from %v, want from its start: no state is cached", got)
				}
			}
		})
	}
}
