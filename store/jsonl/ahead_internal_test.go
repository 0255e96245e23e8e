package jsonl

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// TestReader_readsAheadWhenFarBehind checks when a reader parses on a second goroutine: only
// when it has read aheadAfter chunks itself and reads the file at least aheadMin events
// behind the head.
func TestReader_readsAheadWhenFarBehind(t *testing.T) {
	const extra = 10
	s, entries := aheadStore(t, aheadMin+extra)
	for _, tt := range []struct {
		from    int
		aheadOK bool
		inline  int
		want    bool
	}{
		{0, true, aheadAfter, true},
		{extra, true, aheadAfter, true}, // aheadMin behind
		{extra + 1, true, aheadAfter, false},
		{0, true, aheadAfter - 1, false}, // it may stop soon
		{0, false, aheadAfter, false},    // a stream's reader never reads ahead
	} {
		r := reader{s: s, ctx: context.Background(), aheadOK: tt.aheadOK, inline: tt.inline}
		var got []store.Position
		to, ok := r.step(&entries, tt.from, func(e store.Event, err error) bool {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e.Position)
			return true
		})
		if started := r.ahead != nil; started != tt.want || !ok || to != tt.from+len(got) || got[0] != store.Position(tt.from+1) {
			t.Errorf("step from %d (aheadOK %v): read ahead %v, want %v; reached %d, %v, yielded %d from %v",
				tt.from, tt.aheadOK, started, tt.want, to, ok, len(got), got[0])
		}
		r.stopAhead()
	}
}

// aheadStore returns a store holding n events, with the tail cache off, and its index.
func aheadStore(tb testing.TB, n int) (*Store, entryList) {
	tb.Helper()
	s, err := Open(tb.TempDir(), WithNoSync(), WithTailCache(0))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	for i := range n {
		data := store.EventData{Type: "E", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
		if _, err := s.Append(context.Background(), "s", store.Version(i), data); err != nil {
			tb.Fatal(err)
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s, s.idx.entries
}

// TestReader_boundsReadAheads checks that a Store runs at most GOMAXPROCS read-aheads at
// once: a reader beyond them reads as it goes, and one that stops frees its place.
func TestReader_boundsReadAheads(t *testing.T) {
	s, entries := aheadStore(t, 2*aheadMin)
	step := func() *reader {
		r := &reader{s: s, ctx: context.Background(), aheadOK: true, inline: aheadAfter}
		if _, ok := r.step(&entries, 0, func(store.Event, error) bool { return true }); !ok {
			t.Fatal("step failed")
		}
		return r
	}
	limit := runtime.GOMAXPROCS(0)
	var readers []*reader
	for i := range limit {
		if r := step(); r.ahead == nil {
			t.Fatalf("reader %d of %d does not read ahead", i+1, limit)
		} else {
			readers = append(readers, r)
		}
	}
	if r := step(); r.ahead != nil {
		t.Fatalf("reader %d reads ahead, beyond the limit of %d", limit+1, limit)
	}
	readers[0].stopAhead()
	r := step()
	if r.ahead == nil {
		t.Fatal("a reader does not read ahead after another stopped")
	}
	for _, r := range append(readers[1:], r) {
		r.stopAhead()
	}
	if n := len(s.aheads); n != 0 {
		t.Fatalf("%d read-aheads counted after all stopped", n)
	}
}

// TestReader_readAheadChunksAreBoundedInBytes: a read-ahead's chunks hold at most aheadBytes
// of lines (and at least one event), whatever the events' size: 256 events a chunk of
// events of 128 KiB was 32 MiB a chunk, four of them held for a subscriber that stopped
// reading (found by review).
func TestReader_readAheadChunksAreBoundedInBytes(t *testing.T) {
	for _, size := range []int{64, 128 << 10, 3 * aheadBytes / 2} {
		t.Run(fmt.Sprintf("events of %d bytes", size), func(t *testing.T) {
			s, err := Open(t.TempDir(), WithNoSync(), WithTailCache(0), WithMaxEventSize(2*aheadBytes))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			data := []byte(`"` + strings.Repeat("x", size) + `"`)
			batch := make([]store.EventData, 16)
			for i := range batch {
				batch[i] = store.EventData{Type: "E", Data: data}
			}
			for range (2*aheadMin*64/size + 8 + len(batch) - 1) / len(batch) {
				if _, err := s.Append(context.Background(), "s", store.Any, batch...); err != nil {
					t.Fatal(err)
				}
			}
			s.mu.RLock()
			entries := s.idx.entries
			s.mu.RUnlock()

			r := reader{s: s, ctx: context.Background(), aheadOK: true}
			if !s.takeAhead() {
				t.Fatal("no read-ahead may start")
			}
			defer r.stopAhead()
			r.startAhead(entries, 0)
			events, chunks := 0, 0
			for c := range r.ahead.out {
				if c.err != nil {
					t.Fatal(c.err)
				}
				bytes := 0
				for _, e := range c.events {
					bytes += len(e.Data)
				}
				if len(c.events) == 0 || len(c.events) > readChunk || (len(c.events) > 1 && bytes > aheadBytes) {
					t.Fatalf("a chunk of %d events with %d bytes of data; want 1 to %d events, and more than one only within %d bytes", len(c.events), bytes, readChunk, aheadBytes)
				}
				events += len(c.events)
				chunks++
			}
			if events != entries.len() {
				t.Errorf("the read-ahead read %d events in %d chunks, want all %d", events, chunks, entries.len())
			}
		})
	}
}
