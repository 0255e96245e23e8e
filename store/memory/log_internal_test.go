package memory

import (
	"fmt"
	"maps"
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
		if e.ID != want.ID || e.Type != want.Type || e.Position != want.Position || string(e.Data) != string(want.Data) || !maps.Equal(e.Metadata, want.Metadata) {
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
