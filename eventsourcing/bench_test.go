package eventsourcing_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// BenchmarkHandler_Handle measures commands that each append one event, over the memory
// store and the JSONL log without fsync, from 1 and 16 goroutines, on distinct streams and on one hot stream.
func BenchmarkHandler_Handle(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"memory", func(*testing.B) store.Store { return memory.New() }},
		{"jsonl-nosync", func(b *testing.B) store.Store {
			s, err := jsonl.Open(b.TempDir(), jsonl.WithNoSync())
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	for _, st := range stores {
		for _, goroutines := range []int{1, 16} {
			for _, hot := range []bool{false, true} {
				name := fmt.Sprintf("store=%s/goroutines=%d/streams=distinct", st.name, goroutines)
				if hot {
					name = fmt.Sprintf("store=%s/goroutines=%d/streams=one", st.name, goroutines)
				}
				b.Run(name, func(b *testing.B) {
					s := st.open(b)
					defer s.Close()
					benchmarkHandle(b, s, goroutines, hot)
				})
			}
		}
	}
}

func benchmarkHandle(b *testing.B, s store.Store, goroutines int, hot bool) {
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
	timeCatchUp(b, r)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRunner_sagaCatchUp measures how fast a saga catches up with a backlog of b.N
// events that each cause a command, written at the log's end (a server started after an
// outage), with a projection beside it and a CaughtUp waiting, as a server's readiness does:
// from the log's start, and after a checkpoint at its first event. The rate must not fall
// as the backlog grows: compare -benchtime 10000x and 80000x.
func BenchmarkRunner_sagaCatchUp(b *testing.B) {
	for _, resumed := range []bool{false, true} {
		name := "fromStart"
		if resumed {
			name = "afterCheckpoint"
		}
		b.Run(name, func(b *testing.B) { benchSagaCatchUp(b, resumed, false) })
	}
}

// BenchmarkRunner_chainedSagaCatchUp is BenchmarkRunner_sagaCatchUp with a second saga that
// reacts to each command the first writes with one of its own: a chain of two sagas.
func BenchmarkRunner_chainedSagaCatchUp(b *testing.B) {
	for _, resumed := range []bool{false, true} {
		name := "fromStart"
		if resumed {
			name = "afterCheckpoint"
		}
		b.Run(name, func(b *testing.B) { benchSagaCatchUp(b, resumed, true) })
	}
}

func benchSagaCatchUp(b *testing.B, resumed, chained bool) {
	s := memory.New()
	defer s.Close()
	ctx := context.Background()
	var first store.Event
	for i := range b.N {
		if _, err := s.Append(ctx, fmt.Sprintf("counter-c%d", i), store.NoStream,
			store.EventData{Type: "CounterCreated", Data: fmt.Appendf(nil, `{"id":"c%d"}`, i)}); err != nil {
			b.Fatal(err)
		}
	}
	if resumed {
		first = readAll(b, s)[0]
		c := store.Checkpoint{Position: 1, EventID: first.ID, Head: 1, HeadEventID: first.ID}
		for _, saga := range []string{"saga:mirror", "saga:echo"} {
			if err := s.SaveCheckpoint(ctx, saga, c); err != nil {
				b.Fatal(err)
			}
		}
	}
	h := newCounterHandler(s)
	log, _ := quietLogger()
	r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
	r.AddProjection(newTotals("totals"))
	r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle))
	perEvent := 2
	if chained {
		r.AddSaga(eventsourcing.NewSaga("echo", echoSaga(), counterCodec{}, h.Handle))
		perEvent = 3
	}
	b.ResetTimer()
	timeCatchUp(b, r)
	want := perEvent * b.N
	if resumed {
		want -= perEvent - 1 // the first event's mirror (and echo) is not created: the checkpoint says it was handled
	}
	if n := len(readAll(b, s)); n != want {
		b.Fatalf("%d events, want %d", n, want)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// timeCatchUp runs r until it has caught up with the log, the benchmark's timer running
// meanwhile only, and stops it.
func timeCatchUp(b *testing.B, r *eventsourcing.Runner) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if err := r.CaughtUp(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
