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
	tl := newTail(4, 1<<20, 10) // holds at most 4 events; the log's head was 10
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
		got, cached, wait := tl.since(store.Position(tc.from), int(tc.max), 1<<20)
		if cached != tc.cached || (wait != nil) != tc.shouldWait || !equal(positions(got), tc.want) {
			t.Errorf("since(%d, %d) = %v, cached %v, wait %v; want %v, %v, %v",
				tc.from, tc.max, positions(got), cached, wait != nil, tc.want, tc.cached, tc.shouldWait)
		}
	}

	t.Run("returns copies", func(t *testing.T) {
		got, _, _ := tl.since(15, 1, 1<<20)
		got[0].Data[0] = 'X'
		got[0].Metadata["k"] = "changed"
		again, _, _ := tl.since(15, 1, 1<<20)
		if string(again[0].Data) != `{}` || again[0].Metadata["k"] != "v" {
			t.Errorf("changing a returned event changed the cache: %s %v", again[0].Data, again[0].Metadata)
		}
	})

	t.Run("add wakes the waiters", func(t *testing.T) {
		_, _, wait := tl.since(16, 10, 1<<20)
		tl.add(eventsAt(17))
		select {
		case <-wait:
		default:
			t.Fatal("the wait channel is still open after add")
		}
	})
}

func TestTail_reset(t *testing.T) {
	tl := newTail(4, 1<<20, 0)
	tl.add(eventsAt(1, 2))
	_, _, wait := tl.since(2, 10, 1<<20)
	tl.reset(1, "") // not past the end: nothing changes
	if got, _, _ := tl.since(0, 10, 1<<20); !equal(positions(got), []store.Position{1, 2}) {
		t.Fatalf("after reset(1): since(0) = %v, want [1 2]", positions(got))
	}
	tl.reset(100, "")
	select {
	case <-wait:
	default:
		t.Fatal("reset did not wake the waiters")
	}
	if _, cached, _ := tl.since(2, 10, 1<<20); cached {
		t.Error("after reset(100): position 2 is still served from the cache")
	}
	tl.add(eventsAt(101))
	if got, _, _ := tl.since(100, 10, 1<<20); !equal(positions(got), []store.Position{101}) {
		t.Errorf("after reset(100) and add(101): since(100) = %v, want [101]", positions(got))
	}
}

// sizedAt returns events at positions from on whose data are of the given sizes.
func sizedAt(from store.Position, sizes ...int) []store.Event {
	var out []store.Event
	for i, n := range sizes {
		out = append(out, store.Event{Position: from + store.Position(i), Data: make([]byte, n)})
	}
	return out
}

// TestTail_byteBound: the cache keeps the newest events within its size in bytes as well
// as in number (it kept 1024 events of up to 1 MiB, 1 GiB), the newest one whatever its
// size, and since hands out a page cut by bytes too, of one event at least.
func TestTail_byteBound(t *testing.T) {
	const kib = 1 << 10
	overhead := eventSize(&store.Event{}) // what an event counts for beyond its data
	for _, tc := range []struct {
		name  string
		sizes []int // of the data of the events at positions 1, 2, ...
		want  []store.Position
	}{
		{"small events: bounded by number", []int{1, 1, 1, 1, 1, 1}, []store.Position{3, 4, 5, 6}},
		{"big events: bounded by bytes", []int{kib, kib, kib, kib}, []store.Position{3, 4}},
		{"an event bigger than the bound is kept alone", []int{kib, 10 * kib}, []store.Position{2}},
		{"a small event after a big one pushes it out", []int{10 * kib, 1}, []store.Position{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTail(4, 2*(kib+overhead), 0) // 4 events, or 2 of 1 KiB
			for _, e := range sizedAt(1, tc.sizes...) {
				tl.add([]store.Event{e})
			}
			got, _, _ := tl.since(tl.first, 10, 1<<30)
			if !equal(positions(got), tc.want) {
				t.Errorf("cached %v, want %v", positions(got), tc.want)
			}
			if _, cached, _ := tl.since(tc.want[0]-2, 10, 1<<30); cached && tc.want[0] > 1 {
				t.Errorf("position %d is still cached", tc.want[0]-1)
			}
			bytes := 0
			for _, e := range got {
				bytes += eventSize(&e)
			}
			if tl.bytes != bytes {
				t.Errorf("the cache counts %d bytes, its events are %d", tl.bytes, bytes)
			}
		})
	}

	t.Run("since cuts a page by bytes", func(t *testing.T) {
		tl := newTail(8, 1<<30, 0)
		tl.add(sizedAt(1, kib, kib, kib, kib))
		for _, tc := range []struct {
			maxBytes int
			want     []store.Position
		}{
			{1, []store.Position{1}}, // one event at least
			{kib + overhead, []store.Position{1}},
			{kib + overhead + 1, []store.Position{1, 2}},
			{1 << 30, []store.Position{1, 2, 3, 4}},
		} {
			if got, _, _ := tl.since(0, 10, tc.maxBytes); !equal(positions(got), tc.want) {
				t.Errorf("since(0, 10, %d) = %v, want %v", tc.maxBytes, positions(got), tc.want)
			}
		}
	})
}

// TestTail_drop: a dropped cache holds no events, and goes on after the last position it
// held.
func TestTail_drop(t *testing.T) {
	tl := newTail(4, 1<<20, 0)
	tl.add(eventsAt(1, 2, 3))
	_, _, wait := tl.since(3, 10, 1<<20)
	tl.drop()
	if tl.ring != nil || tl.bytes != 0 {
		t.Errorf("after drop the cache holds a ring of %d events and %d bytes", len(tl.ring), tl.bytes)
	}
	if _, cached, _ := tl.since(2, 10, 1<<20); cached {
		t.Error("after drop position 3 is still served from the cache")
	}
	if got, cached, w := tl.since(3, 10, 1<<20); len(got) != 0 || !cached || w != wait {
		t.Errorf("after drop since(3) = %v, cached %v; want to wait for position 4 as before", positions(got), cached)
	}
	tl.add(eventsAt(4))
	if got, _, _ := tl.since(3, 10, 1<<20); !equal(positions(got), []store.Position{4}) {
		t.Errorf("after drop and add(4): since(3) = %v, want [4]", positions(got))
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

// TestTail_positionsBeyondInt32: the database's positions go past what an int holds on a
// 32-bit processor, where the ring's slot had been int(p)%size, negative past 1<<31 (the
// tailer goroutine panicked, and the process with it). CI runs it built for 386.
func TestTail_positionsBeyondInt32(t *testing.T) {
	for _, first := range []store.Position{1<<31 - 2, 1<<32 - 2} {
		tl := newTail(4, 1<<20, first)
		tl.add(eventsAt(first+1, first+2, first+3))
		got, cached, _ := tl.since(first, 10, 1<<20)
		if want := []store.Position{first + 1, first + 2, first + 3}; !cached || !equal(positions(got), want) {
			t.Errorf("since(%d): %v (cached %v), want %v from the cache", first, positions(got), cached, want)
		}
		tl.add(eventsAt(first+4, first+5)) // pushes the oldest out of a ring of 4
		got, cached, _ = tl.since(first+1, 10, 1<<20)
		if want := []store.Position{first + 2, first + 3, first + 4, first + 5}; !cached || !equal(positions(got), want) {
			t.Errorf("since(%d): %v (cached %v), want %v from the cache", first+1, positions(got), cached, want)
		}
	}
}
