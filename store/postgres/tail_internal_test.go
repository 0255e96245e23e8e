package postgres

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

func positions(events []store.Event) []store.Position {
	var out []store.Position
	for _, e := range events {
		out = append(out, e.Position)
	}
	return out
}

func eventsAt(ps ...store.Position) []store.Event {
	var out []store.Event
	for _, p := range ps {
		out = append(out, store.Event{Position: p, Data: []byte(`{}`), Metadata: map[string]string{"k": "v"}})
	}
	return out
}

func TestTail(t *testing.T) {
	tl := newTail(4, 10) // holds at most 4 events; the log's head was 10
	tl.add(eventsAt(11, 12, 13))
	tl.add(eventsAt(15)) // not contiguous: ignored
	tl.add(eventsAt(14, 15, 16))
	// Now 13..16 are cached (first = 12).
	for _, tc := range []struct {
		from, max  int64
		want       []store.Position
		cached     bool
		shouldWait bool
	}{
		{from: 0, max: 10, cached: false},
		{from: 11, max: 10, cached: false},
		{from: 12, max: 10, want: []store.Position{13, 14, 15, 16}, cached: true},
		{from: 13, max: 2, want: []store.Position{14, 15}, cached: true},
		{from: 16, max: 10, cached: true, shouldWait: true},
		{from: 20, max: 10, cached: true, shouldWait: true},
	} {
		got, cached, wait := tl.since(store.Position(tc.from), int(tc.max))
		if cached != tc.cached || (wait != nil) != tc.shouldWait || !equal(positions(got), tc.want) {
			t.Errorf("since(%d, %d) = %v, cached %v, wait %v; want %v, %v, %v",
				tc.from, tc.max, positions(got), cached, wait != nil, tc.want, tc.cached, tc.shouldWait)
		}
	}

	t.Run("returns copies", func(t *testing.T) {
		got, _, _ := tl.since(15, 1)
		got[0].Data[0] = 'X'
		got[0].Metadata["k"] = "changed"
		again, _, _ := tl.since(15, 1)
		if string(again[0].Data) != `{}` || again[0].Metadata["k"] != "v" {
			t.Errorf("changing a returned event changed the cache: %s %v", again[0].Data, again[0].Metadata)
		}
	})

	t.Run("add wakes the waiters", func(t *testing.T) {
		_, _, wait := tl.since(16, 10)
		tl.add(eventsAt(17))
		select {
		case <-wait:
		default:
			t.Fatal("the wait channel is still open after add")
		}
	})
}

func TestTail_reset(t *testing.T) {
	tl := newTail(4, 0)
	tl.add(eventsAt(1, 2))
	_, _, wait := tl.since(2, 10)
	tl.reset(1) // not past the end: nothing changes
	if got, _, _ := tl.since(0, 10); !equal(positions(got), []store.Position{1, 2}) {
		t.Fatalf("after reset(1): since(0) = %v, want [1 2]", positions(got))
	}
	tl.reset(100)
	select {
	case <-wait:
	default:
		t.Fatal("reset did not wake the waiters")
	}
	if _, cached, _ := tl.since(2, 10); cached {
		t.Error("after reset(100): position 2 is still served from the cache")
	}
	tl.add(eventsAt(101))
	if got, _, _ := tl.since(100, 10); !equal(positions(got), []store.Position{101}) {
		t.Errorf("after reset(100) and add(101): since(100) = %v, want [101]", positions(got))
	}
}

func equal(a, b []store.Position) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
