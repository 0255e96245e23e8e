package eventsourcing_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// BenchmarkHandler_Handle_commandIDs measures commands that carry a client's command id
// over the JSONL log without fsync, one goroutine, each appending one event to one of 1024
// streams: new ids (each is looked up in the index, then recorded) and repeated ids (each
// returns the first result from the log).
func BenchmarkHandler_Handle_commandIDs(b *testing.B) {
	ctx := context.Background()
	open := func(b *testing.B) *counterHandler {
		s, err := jsonl.Open(b.TempDir(), jsonl.WithNoSync())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return newCounterHandler(s)
	}
	b.Run("ids=new", func(b *testing.B) {
		h := open(b)
		i := 0
		for b.Loop() {
			// Streams are kept short (a command loads its whole stream when not cached).
			id := fmt.Sprintf("c%d-%d", i%1024, i/(1024*64))
			if _, err := h.Handle(ctx, tick{ID: id}, eventsourcing.Meta{CommandID: fmt.Sprint("cmd-", i)}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("ids=repeated", func(b *testing.B) {
		h := open(b)
		const n = 10_000
		for i := range n {
			if _, err := h.Handle(ctx, tick{ID: fmt.Sprint("c", i%1024)}, eventsourcing.Meta{CommandID: fmt.Sprint("cmd-", i)}); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		for b.Loop() {
			k := i % n
			res, err := h.Handle(ctx, tick{ID: fmt.Sprint("c", k%1024)}, eventsourcing.Meta{CommandID: fmt.Sprint("cmd-", k)})
			if err != nil || !res.Duplicate {
				b.Fatalf("Handle = %+v, %v; want a duplicate", res, err)
			}
			i += 7919 // a prime: ids all over the log
		}
	})
}

// BenchmarkHandler_Handle_liveHeap reports the live heap that handling commands with client
// command ids leaves behind, per command (bytes/command, after a GC): the JSONL store's own
// index, the handler's state cache and the command index together, for 100,000 commands
// over 1024 streams and over streams of 3 commands each.
func BenchmarkHandler_Handle_liveHeap(b *testing.B) {
	const n = 100_000
	for _, perStream := range []int{0, 3} {
		name := "streams=1024"
		if perStream > 0 {
			name = fmt.Sprintf("streams=%d-commands-each", perStream)
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var perCommand float64
			for b.Loop() {
				s, err := jsonl.Open(b.TempDir(), jsonl.WithNoSync())
				if err != nil {
					b.Fatal(err)
				}
				h := newCounterHandler(s)
				before := liveHeap()
				for i := range n {
					stream := fmt.Sprint("c", i%1024)
					if perStream > 0 {
						stream = fmt.Sprintf("order-%030d", i/perStream)
					}
					if _, err := h.Handle(ctx, tick{ID: stream}, eventsourcing.Meta{CommandID: fmt.Sprintf("%036d", i)}); err != nil {
						b.Fatal(err)
					}
				}
				perCommand += float64(liveHeap()-before) / n
				runtime.KeepAlive(h)
				_ = s.Close()
			}
			b.ReportMetric(perCommand/float64(b.N), "bytes/command")
		})
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
