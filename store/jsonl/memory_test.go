package jsonl_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// The memory the Store keeps after a big append, measured as live heap. Both cases were
// found by review: the Store kept a whole batch alive through a few of its events.

// bigBatch appends n events of size bytes each to stream "big" in one append.
func bigBatch(tb testing.TB, s *jsonl.Store, n, size int) {
	tb.Helper()
	body := []byte(`"` + strings.Repeat("x", size-2) + `"`)
	evs := make([]store.EventData, n)
	for i := range evs {
		evs[i] = store.EventData{Type: "Big", Data: body}
	}
	if _, err := s.Append(context.Background(), "big", store.Any, evs...); err != nil {
		tb.Fatal(err)
	}
}

// liveHeap returns the bytes of the heap still in use after a collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// TestStore_tailCacheKeepsItsBoundAfterABigBatch: the tail cache holds at most its byte
// bound however big an append: its copies of a batch's data must not share one buffer, which
// the few events the cache keeps would keep whole.
func TestStore_tailCacheKeepsItsBoundAfterABigBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MB")
	}
	s, err := jsonl.Open(t.TempDir(), jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n, size = 1024, 64 << 10
	subscribed, seen := make(chan struct{}), make(chan struct{})
	go func() { // a subscriber at the head: the appends fill the cache
		k := 0
		for _, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				return
			}
			switch k++; k {
			case 1:
				close(subscribed)
			case n + 1:
				close(seen)
			}
		}
	}()
	mustAppend(t, s, "first", store.NoStream, ev("T", 1))
	<-subscribed
	before := liveHeap()
	bigBatch(t, s, n, size)
	<-seen
	if held := liveHeap() - before; held > jsonl.DefaultTailCacheBytes+8<<20 {
		t.Errorf("after an append of %d MiB the store holds %d MiB; its tail cache is bounded by %d MiB", n*size>>20, held>>20, jsonl.DefaultTailCacheBytes>>20)
	}
}

// TestStore_noSyncKeepsNoBigBatch: WithNoSync, an append written alone reuses the Store's
// own group, which must not keep the buffer a big batch was encoded in.
func TestStore_noSyncKeepsNoBigBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MB")
	}
	s, err := jsonl.Open(t.TempDir(), jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n, size = 1024, 64 << 10
	before := liveHeap()
	bigBatch(t, s, n, size)
	if held := liveHeap() - before; held > 16<<20 {
		t.Errorf("after an append of %d MiB with no subscriber the store holds %d MiB", n*size>>20, held>>20)
	}
}
