package memory_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// The benchmarks compare the memory store with a baseline: a bare map of slices behind a
// mutex, with no validation, JSON compaction, id generation or global log copies, so
// one run reports both and their ratio.

var benchData = []byte(`{"restaurantId":"r-1","orderId":"o-1","menuItems":[{"menuItemId":"m1","name":"Pizza","price":"8.99"}]}`)

// baseline is the map+mutex yardstick.
type baseline struct {
	mu      sync.Mutex
	streams map[string][]store.Event
	log     []store.Event
}

func newBaseline() *baseline { return &baseline{streams: map[string][]store.Event{}} }

func (m *baseline) append(stream string, typ string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	evs := m.streams[stream]
	e := store.Event{StreamID: stream, Version: store.Version(len(evs) + 1), Position: store.Position(len(m.log) + 1), Type: typ, Data: data}
	m.streams[stream] = append(evs, e)
	m.log = append(m.log, e)
}

func (m *baseline) readStream(stream string, fn func(store.Event)) {
	m.mu.Lock()
	evs := m.streams[stream]
	m.mu.Unlock()
	for _, e := range evs {
		fn(e)
	}
}

func (m *baseline) readAll(fn func(store.Event)) {
	m.mu.Lock()
	evs := m.log
	m.mu.Unlock()
	for _, e := range evs {
		fn(e)
	}
}

func reportEvents(b *testing.B, events int, start time.Time) {
	b.Helper()
	if d := time.Since(start).Seconds(); d > 0 {
		b.ReportMetric(float64(events)/d, "events/s")
	}
}

// runWriters runs b.N appends spread over the given number of goroutines, each writing to
// its own stream.
func runWriters(b *testing.B, writers int, appendOne func(w int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := appendOne(w); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	reportEvents(b, b.N, start)
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	for _, writers := range []int{1, 16, 64} {
		streams := make([]string, writers)
		for w := range streams {
			streams[w] = fmt.Sprintf("stream-%d", w)
		}
		b.Run(fmt.Sprintf("impl=memory/writers=%d", writers), func(b *testing.B) {
			s := memory.New()
			defer s.Close()
			b.ReportAllocs()
			runWriters(b, writers, func(w int) error {
				_, err := s.Append(ctx, streams[w], store.Any, store.EventData{Type: "OrderPlaced", Data: benchData})
				return err
			})
		})
		b.Run(fmt.Sprintf("impl=memory-given-ids/writers=%d", writers), func(b *testing.B) {
			s := memory.New()
			defer s.Close()
			b.ReportAllocs()
			runWriters(b, writers, func(w int) error {
				_, err := s.Append(ctx, streams[w], store.Any, store.EventData{ID: "id", Type: "OrderPlaced", Data: benchData})
				return err
			})
		})
		b.Run(fmt.Sprintf("impl=mapmutex/writers=%d", writers), func(b *testing.B) {
			m := newBaseline()
			b.ReportAllocs()
			runWriters(b, writers, func(w int) error {
				m.append(streams[w], "OrderPlaced", benchData)
				return nil
			})
		})
	}
}

const readEvents = 10_000

// seeded returns a memory store and a baseline each holding readEvents events in stream
// "big", interleaved with as many in other streams.
func seeded(b *testing.B) (*memory.Store, *baseline) {
	b.Helper()
	ctx := context.Background()
	s, m := memory.New(), newBaseline()
	for i := range readEvents {
		for _, stream := range []string{"big", fmt.Sprint("other-", i%10)} {
			if _, err := s.Append(ctx, stream, store.Any, store.EventData{Type: "T", Data: benchData}); err != nil {
				b.Fatal(err)
			}
			m.append(stream, "T", benchData)
		}
	}
	return s, m
}

func BenchmarkReadStream(b *testing.B) {
	ctx := context.Background()
	s, m := seeded(b)
	defer s.Close()
	b.Run("impl=memory", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			n := 0
			for _, err := range s.ReadStream(ctx, "big", 0) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != readEvents {
				b.Fatalf("read %d events, want %d", n, readEvents)
			}
		}
		reportEvents(b, b.N*readEvents, start)
	})
	b.Run("impl=mapmutex", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			n := 0
			m.readStream("big", func(store.Event) { n++ })
			if n != readEvents {
				b.Fatalf("read %d events, want %d", n, readEvents)
			}
		}
		reportEvents(b, b.N*readEvents, start)
	})
}

func BenchmarkReadAll(b *testing.B) {
	ctx := context.Background()
	s, m := seeded(b)
	defer s.Close()
	const total = 2 * readEvents
	b.Run("impl=memory", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			n := 0
			for _, err := range s.ReadAll(ctx, 0) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != total {
				b.Fatalf("read %d events, want %d", n, total)
			}
		}
		reportEvents(b, b.N*total, start)
	})
	b.Run("impl=mapmutex", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			n := 0
			m.readAll(func(store.Event) { n++ })
			if n != total {
				b.Fatalf("read %d events, want %d", n, total)
			}
		}
		reportEvents(b, b.N*total, start)
	})
}

// BenchmarkSubscribe measures live subscribers keeping up with one writer; events/s counts
// appended events, each delivered to every subscriber.
func BenchmarkSubscribe(b *testing.B) {
	for _, subscribers := range []int{1, 64} {
		b.Run(fmt.Sprintf("subscribers=%d", subscribers), func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := memory.New()
			defer s.Close()
			b.ReportAllocs()
			counts := make(chan int, subscribers)
			for range subscribers {
				go func() {
					n := 0
					for e, err := range s.Subscribe(ctx, 0) {
						if err != nil {
							break
						}
						n++
						if int(e.Position) == b.N {
							break
						}
					}
					counts <- n
				}()
			}
			start := time.Now()
			for range b.N {
				if _, err := s.Append(ctx, "live", store.Any, store.EventData{ID: "id", Type: "T", Data: benchData}); err != nil {
					b.Fatal(err)
				}
			}
			for range subscribers {
				if n := <-counts; n != b.N {
					b.Fatalf("a subscriber got %d events, want %d", n, b.N)
				}
			}
			reportEvents(b, b.N, start)
		})
	}
}
