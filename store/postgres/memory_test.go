package postgres_test

import (
	"context"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// liveHeap returns the bytes of live heap objects after full collections (two: what
// sync.Pools keep survives one).
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

const mib = 1 << 20

// appendBig appends n events of about 1 MiB (store.DefaultMaxEventSize) to s, a few per
// append.
func appendBig(tb testing.TB, ctx context.Context, s *postgres.Store, n int) {
	tb.Helper()
	data := []byte(`"` + strings.Repeat("x", mib-100) + `"`)
	for i := 0; i < n; i += 8 {
		events := make([]store.EventData, min(8, n-i))
		for j := range events {
			events[j] = store.EventData{Type: "Big", Data: data}
		}
		if _, err := s.Append(ctx, "big", store.Any, events...); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestStore_tailMemory: the cache of recent events that caught-up subscribers read from is
// bounded by bytes (WithTailBytes), not only by number, and dropped when the last subscriber
// ends. It was bounded by number alone (1024 events), so a store holding subscribers of a
// log of 1 MiB events kept up to 1 GiB, and kept it when they had all ended.
func TestStore_tailMemory(t *testing.T) {
	const n = 96 // events of 1 MiB that a subscriber reads as they are appended
	for _, tc := range []struct {
		name      string
		opts      []postgres.Option
		end       bool  // the subscriber ends before the heap is measured
		maxGrowth int64 // of the live heap
	}{
		// One subscriber, caught up and waiting: the cache holds DefaultTailBytes (16 MiB)
		// and one event; the subscriber holds nothing.
		{"with a subscriber, bounded by bytes", nil, false, 48 * mib},
		// With no bound by bytes that matters, only dropping the cache frees it.
		{"after the last subscriber, dropped", []postgres.Option{postgres.WithTailBytes(math.MaxInt)}, true, 32 * mib},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, url := open(t, tc.opts...)
			// Another store appends, as another server would: the buffers its connections
			// keep for sending events go when it is closed, before the heap is measured.
			writer := openSame(t, url, s)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			before := liveHeap()
			subCtx, subCancel := context.WithCancel(ctx)
			read := make(chan int, 3) // how many events the subscriber read: 1, then all, then at its end
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				got := 0
				for _, err := range s.Subscribe(subCtx, 0) {
					if err != nil {
						break
					}
					if got++; got == 1 || got == n+1 {
						read <- got
						if got == n+1 && tc.end {
							break
						}
					}
				}
				read <- got
			}()
			defer func() { subCancel(); <-ended }()
			// The subscriber gets a first event: it is subscribed and has caught up, and the
			// next events come to it through the cache.
			if _, err := writer.Append(ctx, "small", store.Any, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
				t.Fatal(err)
			}
			if got := <-read; got != 1 {
				t.Fatalf("the subscriber read %d events, want 1", got)
			}
			appendBig(t, ctx, writer, n)
			if got := <-read; got != n+1 {
				t.Fatalf("the subscriber read %d events, want %d", got, n+1)
			}
			_ = writer.Close()
			if tc.end {
				<-ended
			}
			grown := liveHeap() - before
			t.Logf("live heap grew by %d MiB after a subscriber read %d events of 1 MiB", grown/mib, n)
			if grown > tc.maxGrowth {
				t.Errorf("the store holds %d MiB, over %d MiB", grown/mib, tc.maxGrowth/mib)
			}
			runtime.KeepAlive(s)
		})
	}
}

// TestStore_stalledSubscribersMemory: a subscriber whose caller stopped reading holds the
// page it was handed, which is bounded by bytes (WithPageBytes) as well as by number. A
// page of 256 events of 1 MiB each held 256 MiB per stalled subscriber.
func TestStore_stalledSubscribersMemory(t *testing.T) {
	const n, stalled = 60, 4
	s, _ := open(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	appendBig(t, ctx, s, n)
	before := liveHeap()
	release := make(chan struct{})
	ready := make(chan struct{}, stalled)
	done := make(chan struct{}, stalled)
	for range stalled {
		go func() {
			defer func() { done <- struct{}{} }()
			for range s.Subscribe(ctx, 0) {
				ready <- struct{}{}
				<-release // stalled on its first event
				return
			}
		}()
	}
	for range stalled {
		<-ready
	}
	grown := liveHeap() - before
	close(release)
	for range stalled {
		<-done
	}
	// Each holds a page: events up to DefaultPageBytes (4 MiB) and the one that crosses it,
	// 5 MiB; this leaves room for the buffers of the connections that read them too.
	const limit = stalled * 12 * mib
	t.Logf("%d subscribers stalled on a log of %d events of 1 MiB: the live heap grew by %d MiB", stalled, n, grown/mib)
	if grown > limit {
		t.Errorf("%d stalled subscribers hold %d MiB, over %d MiB", stalled, grown/mib, limit/mib)
	}
}
