package eventsourcing_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store/memory"
)

// BenchmarkHandler_Handle measures commands that each append one event, over the memory
// store, from 1 and 16 goroutines, on distinct streams and on one hot stream.
func BenchmarkHandler_Handle(b *testing.B) {
	for _, goroutines := range []int{1, 16} {
		for _, hot := range []bool{false, true} {
			name := fmt.Sprintf("goroutines=%d/streams=distinct", goroutines)
			if hot {
				name = fmt.Sprintf("goroutines=%d/streams=one", goroutines)
			}
			b.Run(name, func(b *testing.B) { benchmarkHandle(b, goroutines, hot) })
		}
	}
}

func benchmarkHandle(b *testing.B, goroutines int, hot bool) {
	s := memory.New()
	defer s.Close()
	h := newCounterHandler(s)
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				// Streams are kept short (a command loads its whole stream): the hot stream
				// moves on every 256 commands, and each of the 1024 distinct streams every 64.
				id := fmt.Sprintf("hot-%d", i/256)
				if !hot {
					id = fmt.Sprintf("c%d-%d", i%1024, i/(1024*64))
				}
				if _, err := h.Handle(ctx, tick{ID: id}, eventsourcing.Meta{}); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRunner measures how fast a projection catches up with a log of b.N events.
func BenchmarkRunner(b *testing.B) {
	s := memory.New()
	defer s.Close()
	h := newCounterHandler(s)
	ctx := context.Background()
	for i := range b.N {
		if _, err := h.Handle(ctx, tick{ID: fmt.Sprintf("c%d", i%1024)}, eventsourcing.Meta{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	r := eventsourcing.NewRunner(s)
	r.AddProjection(newTotals("totals"))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	if err := r.CaughtUp(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
