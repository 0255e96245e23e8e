package jsonl

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// at returns events at the given positions.
func at(positions ...store.Position) []store.Event {
	out := make([]store.Event, len(positions))
	for i, p := range positions {
		out[i] = store.Event{Position: p, ID: string(rune('a' + p))}
	}
	return out
}

func TestTail_publish(t *testing.T) {
	type group struct {
		evs      []store.Event
		complete bool
		head     store.Position
	}
	tests := []struct {
		name   string
		size   int
		groups []group
		cached []store.Position // what copyFrom finds, each on its own
		absent []store.Position
	}{
		{"empty", 4, nil, nil, []store.Position{0, 1, 2}},
		{"starts at any group", 4, []group{{at(7, 8), true, 8}}, []store.Position{7, 8}, []store.Position{6, 9}},
		{"keeps the last size events", 4, []group{{at(1, 2, 3), true, 3}, {at(4, 5, 6), true, 6}}, []store.Position{3, 4, 5, 6}, []store.Position{1, 2, 7}},
		{"a group without events empties it", 4, []group{{at(1, 2), true, 2}, {at(3), false, 4}}, nil, []store.Position{1, 2, 3, 4}},
		// An append that joined a group with no subscriber around left a hole in its events.
		{"a group with a hole empties it", 8, []group{{at(1, 2), true, 2}, {at(3, 5), false, 5}}, nil, []store.Position{1, 2, 3, 4, 5}},
		{"starts again after an incomplete group", 8, []group{{at(1), true, 1}, {at(2), false, 3}, {at(4, 5), true, 5}}, []store.Position{4, 5}, []store.Position{1, 2, 3}},
		{"off keeps nothing", 0, []group{{at(1), true, 1}}, nil, []store.Position{1}},
		{"keeps the last size events of a larger group", 4, []group{{at(1, 2), true, 2}, {at(3, 4, 5, 6, 7, 8), true, 8}}, []store.Position{5, 6, 7, 8}, []store.Position{2, 3, 4, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTail(tt.size, 1<<30)
			for _, g := range tt.groups {
				tl.publish(g.evs, g.complete, g.head)
			}
			for _, p := range tt.cached {
				got, ok := tl.copyFrom(nil, p, 1)
				if !ok || len(got) != 1 || got[0].Position != p || got[0].ID != string(rune('a'+p)) {
					t.Errorf("copyFrom(%d) = %+v, %v; want the event at %d", p, got, ok, p)
				}
			}
			for _, p := range tt.absent {
				if got, ok := tl.copyFrom(nil, p, 1); ok {
					t.Errorf("copyFrom(%d) = %+v, want nothing cached", p, got)
				}
			}
		})
	}
}

func TestTail_copyFromBoundsTheBatch(t *testing.T) {
	tl := newTail(8, 1<<30)
	tl.publish(at(1, 2, 3, 4, 5), true, 5)
	got, ok := tl.copyFrom(nil, 2, 3)
	var positions []store.Position
	for _, e := range got {
		positions = append(positions, e.Position)
	}
	if !ok || !slices.Equal(positions, []store.Position{2, 3, 4}) {
		t.Fatalf("copyFrom(2, max 3) = %v, %v; want [2 3 4]", positions, ok)
	}
	got, _ = tl.copyFrom(got[:0], 4, 10)
	if len(got) != 2 || got[1].Position != 5 {
		t.Fatalf("copyFrom(4, max 10) = %+v; want positions 4 and 5", got)
	}
}

// checkBytes fails unless the tail's byte count is that of the events it holds.
func checkBytes(tb testing.TB, tl *tail) {
	tb.Helper()
	n := 0
	for p := tl.lo; p <= tl.hi; p++ {
		n += eventSize(&tl.ring[int(p-1)%tl.size])
	}
	if n != tl.bytes {
		tb.Fatalf("the tail counts %d bytes for positions %d to %d, which take %d", tl.bytes, tl.lo, tl.hi, n)
	}
}

// sized returns events at positions from..to with data of n bytes each.
func sized(from, to store.Position, n int) []store.Event {
	var out []store.Event
	for p := from; p <= to; p++ {
		out = append(out, store.Event{Position: p, ID: "id", Data: make([]byte, n), Metadata: map[string]string{"k": "v"}})
	}
	return out
}

func TestTail_byteBudget(t *testing.T) {
	one := eventSize(&sized(1, 1, 1000)[0])
	t.Run("drops the oldest past the budget", func(t *testing.T) {
		tl := newTail(100, 3*one)
		for p := store.Position(1); p <= 10; p++ {
			tl.publish(sized(p, p, 1000), true, p)
			checkBytes(t, &tl)
		}
		if tl.lo != 8 || tl.hi != 10 {
			t.Fatalf("the tail holds positions %d to %d, want 8 to 10 (three events fit)", tl.lo, tl.hi)
		}
		if _, ok := tl.copyFrom(nil, 7, 1); ok {
			t.Error("position 7 is still cached past the budget")
		}
	})
	t.Run("keeps the newest event even when it alone is over the budget", func(t *testing.T) {
		tl := newTail(100, one/2)
		tl.publish(sized(1, 2, 1000), true, 2)
		checkBytes(t, &tl)
		if got, ok := tl.copyFrom(nil, 2, 1); !ok || got[0].Position != 2 {
			t.Fatalf("the newest event is not cached: %v", ok)
		}
		if _, ok := tl.copyFrom(nil, 1, 1); ok {
			t.Error("an older event over the budget is still cached")
		}
	})
	t.Run("events pushed out by count leave the count", func(t *testing.T) {
		tl := newTail(4, 1<<30)
		for p := store.Position(1); p <= 10; p += 2 {
			tl.publish(sized(p, p+1, 1000), true, p+1)
			checkBytes(t, &tl)
		}
		if tl.bytes != 4*one {
			t.Fatalf("the tail counts %d bytes for its 4 events, want %d", tl.bytes, 4*one)
		}
		tl.publish(nil, false, 11)
		checkBytes(t, &tl)
		if tl.bytes != 0 {
			t.Fatalf("an emptied tail counts %d bytes", tl.bytes)
		}
	})
	// A group of more events than the cache holds pushes its own older events out: only
	// what the cache keeps may count, or the excess, growing with each such group, would
	// shrink the cache to one event for good.
	t.Run("a group larger than the cache counts what it keeps", func(t *testing.T) {
		tl := newTail(4, 4*one)
		tl.publish(sized(1, 6, 1000), true, 6)
		checkBytes(t, &tl)
		if tl.lo != 3 || tl.hi != 6 {
			t.Fatalf("the tail holds positions %d to %d, want 3 to 6", tl.lo, tl.hi)
		}
		for p := store.Position(7); p <= 20; p++ {
			tl.publish(sized(p, p, 1000), true, p)
			checkBytes(t, &tl)
		}
		if tl.lo != 17 || tl.hi != 20 {
			t.Fatalf("the tail holds positions %d to %d, want 17 to 20 (four events fit)", tl.lo, tl.hi)
		}
	})
}

// TestTail_appendLargerThanTheCache appends more events at once than the cache holds while
// someone subscribes (so the cache is filled), through a Store.
func TestTail_appendLargerThanTheCache(t *testing.T) {
	s, err := Open(t.TempDir(), WithNoSync(), WithTailCache(16))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	subscribed := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		first := true
		for _, err := range s.Subscribe(ctx, 0) {
			if first {
				close(subscribed)
				first = false
			}
			if err != nil {
				return
			}
		}
	})
	appendN := func(stream string, n int) {
		t.Helper()
		evs := make([]store.EventData, n)
		for i := range evs {
			evs[i] = store.EventData{Type: "E", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		}
		if _, err := s.Append(ctx, stream, store.Any, evs...); err != nil {
			t.Fatal(err)
		}
	}
	appendN("warm", 1)
	<-subscribed // the subscriber runs: the next append fills the cache
	appendN("big", 40)
	s.mu.RLock()
	defer s.mu.RUnlock()
	checkBytes(t, &s.tail)
	if s.tail.lo != 26 || s.tail.hi != 41 {
		t.Fatalf("the cache holds positions %d to %d, want 26 to 41", s.tail.lo, s.tail.hi)
	}
}
