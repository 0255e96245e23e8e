package memory

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// packedEvents returns n events with every kind of field a packed chunk must keep: metadata
// nil, empty and full, keys and streams that repeat and that do not, empty and long strings,
// text beyond ASCII, and times from the zero time to the far future, with nanoseconds.
func packedEvents(n int) []store.Event {
	times := []time.Time{
		{},
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2026, 12, 6, 3, 4, 5, 123_456_789, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Now().UTC(),
	}
	evs := make([]store.Event, n)
	for i := range evs {
		e := store.Event{
			ID:       fmt.Sprintf("id-%d", i),
			StreamID: fmt.Sprintf("stream-%d", i%7),
			Version:  store.Version(i/7 + 1),
			Position: store.Position(i + 1),
			Type:     []string{"Created", "Renamed", "Ünïcode ✓", strings.Repeat("T", 300)}[i%4],
			Time:     times[i%len(times)],
			Data:     []byte(fmt.Sprintf(`{"n":%d,"s":%q}`, i, strings.Repeat("x", i%200))),
		}
		if i%50 == 0 {
			e.StreamID = fmt.Sprintf("once-%d-%s", i, strings.Repeat("é", i%70))
		}
		switch i % 3 {
		case 1:
			e.Metadata = map[string]string{}
		case 2:
			e.Metadata = map[string]string{"commandId": fmt.Sprintf("c-%d", i), "empty": "", "": "empty key", fmt.Sprintf("k%d", i): "v"}
		}
		evs[i] = e
	}
	return evs
}

// A log longer than its live chunks gives back every event as it was appended, whether the
// event is read from a live chunk or a packed one, shared or copied.
func TestEventLog_packedEventsReadBackExactly(t *testing.T) {
	n := (liveChunks+2)*(1<<chunkShift) + 17
	evs := packedEvents(n)
	l := newLog(chunkShift, liveChunks)
	for _, e := range evs {
		if old := l.append(e); old != nil {
			old.pack()
		}
	}
	if got := l.slots[0].live.Load(); got != nil {
		t.Fatal("the first chunk is still live in a log of", n, "events")
	}
	if got := l.slots[len(l.slots)-1].live.Load(); got == nil {
		t.Fatal("the newest chunk is packed")
	}
	for i, want := range evs {
		for _, shared := range []bool{false, true} {
			got := l.event(i, shared)
			if !reflect.DeepEqual(got, want) || got.Time != want.Time {
				t.Fatalf("event %d (shared %v):\n got %#v\nwant %#v", i, shared, got, want)
			}
		}
	}
}

// An event read without sharing is the caller's: changing it changes nothing in the log,
// from a packed chunk as from a live one.
func TestEventLog_copiesAreTheCallers(t *testing.T) {
	n := (liveChunks+1)*(1<<chunkShift) + 1
	evs := packedEvents(n)
	l := newLog(chunkShift, liveChunks)
	for _, e := range evs {
		if old := l.append(e); old != nil {
			old.pack()
		}
	}
	last := n - 1 - (n-1-2)%3             // the last event with metadata (see packedEvents)
	for _, i := range []int{2, 5, last} { // packed, packed, live
		e := l.event(i, false)
		for j := range e.Data {
			e.Data[j] = '!'
		}
		maps.DeleteFunc(e.Metadata, func(string, string) bool { return true })
		e.Metadata["added"] = "x"
		if got := l.event(i, false); !reflect.DeepEqual(got, evs[i]) {
			t.Fatalf("event %d changed through a copy:\n got %#v\nwant %#v", i, got, evs[i])
		}
	}
}

// Readers that took a snapshot of the log keep reading it, without a race, while appends
// pack the chunks they are reading (run with -race).
func TestStore_readersWhileChunksArePacked(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := t.Context()
	const total = (liveChunks + 6) * (1 << chunkShift)
	evs := packedEvents(total)
	same := func(e store.Event, i int) error {
		want := evs[i]
		// Each event is its own stream's first (see the appends below).
		if e.ID != want.ID || e.StreamID != want.ID || e.Version != 1 || e.Type != want.Type || e.Position != want.Position || e.Time.IsZero() ||
			string(e.Data) != string(want.Data) || !maps.Equal(e.Metadata, want.Metadata) {
			return fmt.Errorf("event %d is %#v, want %#v", i, e, want)
		}
		return nil
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 5)
	// Subscribers follow the appends.
	for _, shared := range []bool{false, true} {
		wg.Go(func() {
			i := 0
			for e, err := range s.subscribe(ctx, 0, shared) {
				if err == nil {
					err = same(e, i)
				}
				if err != nil {
					errs <- fmt.Errorf("subscriber (shared %v): %w", shared, err)
					return
				}
				if i++; i == total {
					return
				}
			}
		})
	}
	// Readers read the whole log again and again, each time from a snapshot taken before
	// the appends that pack what they then read.
	for _, shared := range []bool{false, true} {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				i := 0
				for e, err := range s.readAll(ctx, 0, shared) {
					if err == nil {
						err = same(e, i)
					}
					if err != nil {
						errs <- fmt.Errorf("reader (shared %v): %w", shared, err)
						return
					}
					i++
				}
			}
		})
	}
	wg.Go(func() {
		defer close(done)
		for _, e := range evs {
			if _, err := s.Append(ctx, e.ID, store.NoStream, store.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// BenchmarkSlot_pack measures the packing of one chunk of events such as the command handler
// writes, which the append that starts a new chunk does once it has released the store's
// lock.
func BenchmarkSlot_pack(b *testing.B) {
	c := make(chunk, 1<<chunkShift)
	for i := range c {
		c[i] = store.Event{
			ID:       fmt.Sprintf("0193a5c2-7d1e-7c3a-9f1b-%012d", i),
			StreamID: fmt.Sprintf("order-0193a5c2-7d1e-7c3a-9f1b-%012d", i%100),
			Version:  store.Version(i/100 + 1),
			Position: store.Position(i + 1),
			Type:     "OrderCreated",
			Time:     time.Now().UTC(),
			Data:     []byte(fmt.Sprintf(`{"orderId":"0193a5c2-7d1e-7c3a-9f1b-%012d","restaurantId":"r-1","menuItems":[{"id":"1","name":"Pizza","price":12.5}]}`, i)),
			Metadata: map[string]string{
				"commandId":     fmt.Sprintf("c-0193a5c2-7d1e-7c3a-9f1b-%012d", i),
				"correlationId": fmt.Sprintf("c-0193a5c2-7d1e-7c3a-9f1b-%012d", i),
				"causationId":   fmt.Sprintf("c-0193a5c2-7d1e-7c3a-9f1b-%012d", i),
				"commandHash":   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			},
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := new(slot)
		s.live.Store(&c)
		s.pack()
	}
}

// BenchmarkPackedChunk_event measures the decoding of a packed event as a shared read does
// it (nothing to copy), against the copy of a live one.
func BenchmarkPackedChunk_event(b *testing.B) {
	size := 1 << chunkShift
	c := make(chunk, size)
	for i := range c {
		c[i] = store.Event{
			ID: fmt.Sprintf("0193a5c2-7d1e-7c3a-9f1b-%012d", i), StreamID: fmt.Sprintf("order-%d", i%100),
			Version: store.Version(i/100 + 1), Position: store.Position(i + 1), Type: "OrderCreated",
			Time: time.Now().UTC(), Data: []byte(`{"orderId":"o-1","restaurantId":"r-1","menuItems":[{"id":"1","name":"Pizza","price":12.5}]}`),
		}
	}
	s := new(slot)
	s.live.Store(&c)
	b.Run("live", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			e := (*s.live.Load())[i&(size-1)]
			if e.Version == 0 {
				b.Fatal("no version")
			}
		}
	})
	s.pack()
	b.Run("packed", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if e := s.packed.event(i&(size-1), 1, true); e.Version == 0 {
				b.Fatal("no version")
			}
		}
	})
}

// Random events, in logs of random shapes, read back exactly: long and empty strings, empty
// keys, more metadata keys than the packer's recent words, keys that are also stream ids or
// types, versions and times at the ends of their ranges.
func TestEventLog_randomEventsReadBackExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pool := []string{"", "a", "b", "commandId", "T", "stream-1", strings.Repeat("x", 130), strings.Repeat("y", 20000), "é✓", "\x00", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"}
	pick := func() string {
		if r.IntN(4) == 0 {
			return strings.Repeat(string(rune('a'+r.IntN(26))), r.IntN(300))
		}
		return pool[r.IntN(len(pool))]
	}
	times := []time.Time{{}, time.Unix(math.MaxInt64/2, 999999999).UTC(), time.Unix(math.MinInt64/2, 1).UTC(), time.Unix(0, 0).UTC(), time.Now().UTC(), time.Date(-5000, 1, 1, 0, 0, 0, 5, time.UTC)}
	for round := 0; round < 20; round++ {
		shift := uint(r.IntN(6))
		l := newLog(shift, 2+r.IntN(3))
		n := 1 + r.IntN(600)
		evs := make([]store.Event, n)
		for i := range evs {
			e := store.Event{ID: pick(), StreamID: pick(), Type: pick(), Version: store.Version(r.Int64() - math.MaxInt64/2), Position: store.Position(i + 1), Time: times[r.IntN(len(times))], Data: []byte(pick() + "1")}
			switch r.IntN(3) {
			case 1:
				e.Metadata = map[string]string{}
			case 2:
				e.Metadata = map[string]string{}
				for range r.IntN(15) {
					e.Metadata[pick()] = pick()
				}
			}
			evs[i] = e
			if old := l.append(e); old != nil {
				old.pack()
			}
		}
		for i, want := range evs {
			for _, sh := range []bool{false, true} {
				got := l.event(i, sh)
				if !reflect.DeepEqual(got, want) || got.Time != want.Time {
					t.Fatalf("round %d event %d shared %v:\n got %#v\nwant %#v", round, i, sh, got, want)
				}
			}
		}
	}
}

// A log keeps its newest keep chunks live (the one being filled among them) and packs the
// others.
func TestEventLog_keepsItsNewestChunksLive(t *testing.T) {
	for _, keep := range []int{2, 3, 8} {
		l := newLog(1, keep)
		for i := range 41 {
			if old := l.append(store.Event{ID: fmt.Sprint(i), Data: []byte("1")}); old != nil {
				old.pack()
			}
		}
		for k, s := range l.slots {
			if live, want := s.live.Load() != nil, k >= len(l.slots)-keep; live != want {
				t.Errorf("keep %d: chunk %d of %d is live: %v, want %v", keep, k, len(l.slots), live, want)
			}
		}
	}
}

// Close returns only once every chunk an append made old enough is packed: no goroutine of
// the store outlives it, and (under -race) what packing wrote is ordered before Close
// returns. One append crossing many chunk boundaries hands one goroutine many chunks to
// pack, so that a Close that did not wait would return long before they are.
func TestStore_closeWaitsForPacking(t *testing.T) {
	s := New()
	s.log = newLog(chunkShift, 2)
	const chunks = 64
	evs := make([]store.EventData, chunks<<chunkShift)
	for i := range evs {
		evs[i] = store.EventData{Type: "T", Data: []byte(fmt.Sprintf(`{"i":%d}`, i)),
			Metadata: map[string]string{"commandId": fmt.Sprint("c-", i), "correlationId": "x"}}
	}
	if _, err := s.Append(t.Context(), "s", store.NoStream, evs...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i, sl := range s.log.slots[:len(s.log.slots)-s.log.keep] {
		if sl.live.Load() != nil || sl.packed == nil {
			t.Fatalf("chunk %d of %d is not packed when Close returns", i, len(s.log.slots))
		}
	}
	if e := s.log.event(0, true); e.Version != 1 || string(e.Data) != `{"i":0}` {
		t.Fatalf("first event after Close: %+v", e)
	}
}

// A shared packed event's Data has no spare capacity: a reader that appends to it (which
// does not modify the event) must not write into the packed buffer, whose next bytes back
// the strings of the next event.
func TestEventLog_sharedPackedDataHasNoCapacity(t *testing.T) {
	l := newLog(1, 2)
	for i := range 8 {
		if old := l.append(store.Event{ID: fmt.Sprint("id-", i), StreamID: "s", Type: "T", Data: []byte(`{}`)}); old != nil {
			old.pack()
		}
	}
	e := l.event(0, true)
	if l.slots[0].live.Load() != nil {
		t.Fatal("chunk 0 is live")
	}
	if cap(e.Data) != len(e.Data) {
		t.Fatalf("shared packed Data has len %d, cap %d", len(e.Data), cap(e.Data))
	}
	_ = append(e.Data, "XXXXXXXX"...)
	if got := l.event(1, true); got.ID != "id-1" || got.StreamID != "s" {
		t.Fatalf("event 1 after appending to event 0's shared Data: %+v", got)
	}
}
