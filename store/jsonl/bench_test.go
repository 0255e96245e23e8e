package jsonl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// benchEvent is a typical event: an order with two items (a line of about 400 bytes).
func benchEvent() store.EventData {
	return store.EventData{
		Type: "OrderCreated",
		Data: []byte(`{"orderId":"0b5c2a4e-6f1d-4a53-9c1e-2f6d8a7b9c10","restaurantId":"r-17","menuItems":[{"menuItemId":"m1","name":"Pizza Margherita","price":"8.99"},{"menuItemId":"m2","name":"Tiramisu","price":"4.50"}]}`),
		Metadata: map[string]string{
			"commandId":     "3f2a9b1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
			"correlationId": "3f2a9b1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
		},
	}
}

// benchLine returns a log line of the size Append writes for benchEvent.
func benchLine() []byte {
	e := benchEvent()
	e.ID = "6e0c1d2a-3b4c-4d5e-8f60-718293a4b5c6"
	return jsonl.AppendLine(nil, 123456, "order-0b5c2a4e-6f1d-4a53-9c1e-2f6d8a7b9c10", 1, &e, time.Now(), 1)
}

// reportRate reports events per second over the benchmark's elapsed time.
func reportRate(b *testing.B, events int) float64 {
	rate := float64(events) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "events/s")
	return rate
}

// runWriters runs b.N calls of op spread over w goroutines.
func runWriters(b *testing.B, w int, op func(writer, i int)) {
	var wg sync.WaitGroup
	for g := range w {
		wg.Go(func() {
			for i := g; i < b.N; i += w {
				op(g, i)
			}
		})
	}
	wg.Wait()
}

// BenchmarkJSONL measures the store and raw file baselines in one family, so ratios can be
// computed from one run; with -v it logs the ratios of the appends to their baselines:
//
//	go test -run '^$' -bench JSONL -v ./store/jsonl
//
// (-short opens a log of 100,000 events instead of 1,000,000).
func BenchmarkJSONL(b *testing.B) {
	rates := map[string]float64{} // events/s of each sub-benchmark's last run
	run := func(name string, fn func(b *testing.B) float64) {
		b.Run(name, func(b *testing.B) { rates[name] = fn(b) })
	}
	for _, durable := range []bool{true, false} {
		mode := map[bool]string{true: "durable", false: "nosync"}[durable]
		for _, writers := range []int{1, 16} {
			run(fmt.Sprintf("append/%s/writers=%d", mode, writers), func(b *testing.B) float64 {
				return benchAppend(b, durable, writers)
			})
		}
	}
	run("baseline/write+fdatasync", func(b *testing.B) float64 { return benchRaw(b, 1, true) })
	run("baseline/write16+fdatasync", func(b *testing.B) float64 { return benchRaw(b, 16, true) })
	run("baseline/write", func(b *testing.B) float64 { return benchRaw(b, 1, false) })
	run("readstream/10000", func(b *testing.B) float64 { return benchReadStream(b, 1) })
	run("readstream/10000-of-100000", func(b *testing.B) float64 { return benchReadStream(b, 10) })
	run("readall/100000", benchReadAll)
	for _, cache := range []int{jsonl.DefaultTailCache, 0} {
		run(fmt.Sprintf("follow/3-subscribers/tail-cache=%d", cache), func(b *testing.B) float64 { return benchFollow(b, cache) })
	}
	var mixedP90 time.Duration
	b.Run("mixed/paced+rare", func(b *testing.B) { mixedP90 = benchMixed(b) })
	events := 1_000_000
	if testing.Short() {
		events = 100_000
	}
	run(fmt.Sprintf("open/%d", events), func(b *testing.B) float64 { return benchOpen(b, events) })

	for _, r := range []struct{ what, num, den string }{
		{"durable, 1 writer / write+fdatasync loop", "append/durable/writers=1", "baseline/write+fdatasync"},
		{"durable, 16 writers / write16+fdatasync loop", "append/durable/writers=16", "baseline/write16+fdatasync"},
		{"no sync, 1 writer / write loop", "append/nosync/writers=1", "baseline/write"},
		{"3 subscribers following the log, tail cache on / off", "follow/3-subscribers/tail-cache=4096", "follow/3-subscribers/tail-cache=0"},
	} {
		if rates[r.num] > 0 && rates[r.den] > 0 {
			b.Logf("%s: %.0f%%", r.what, 100*rates[r.num]/rates[r.den])
		}
	}
	if sync := rates["baseline/write+fdatasync"]; sync > 0 && mixedP90 > 0 {
		b.Logf("a paced writer beside a rare one, p90 append / one write+fdatasync: %.1f×", mixedP90.Seconds()*sync)
	}
}

// benchMixed appends b.N events (durable) from a writer paced at one append every 500 µs,
// while a second writer appends every 3 ms: a light load, where a commit that carried both
// makes the next group wait for a writer that is not coming back. It reports the paced
// writer's p50 and p90 append latency and returns the p90. Before that wait yielded instead of
// sleeping on a timer (awaitDone), the p90 was ~1.4 ms against ~0.3 ms with no second writer.
func benchMixed(b *testing.B) time.Duration {
	s := openStore(b, b.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := benchEvent()
	var rare sync.WaitGroup
	rare.Go(func() {
		t := time.NewTicker(3 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := s.Append(ctx, "order-rare", store.Any, e); err != nil && ctx.Err() == nil {
				b.Error(err)
				return
			}
		}
	})
	lat := make([]time.Duration, 0, b.N)
	t := time.NewTicker(500 * time.Microsecond)
	defer t.Stop()
	b.ResetTimer()
	for range b.N {
		<-t.C
		start := time.Now()
		if _, err := s.Append(ctx, "order-paced", store.Any, e); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	cancel()
	rare.Wait()
	slices.Sort(lat)
	p50, p90 := lat[len(lat)/2], lat[len(lat)*9/10]
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p90.Microseconds()), "p90-µs")
	return p90
}

func benchAppend(b *testing.B, durable bool, writers int) float64 {
	var opts []jsonl.Option
	if !durable {
		opts = append(opts, jsonl.WithNoSync())
	}
	s := openStore(b, b.TempDir(), opts...)
	e := benchEvent()
	ctx := context.Background()
	names := make([][]string, writers)
	for w := range names {
		for i := range 100 {
			names[w] = append(names[w], fmt.Sprintf("order-%d-%d", w, i))
		}
	}
	b.ResetTimer()
	runWriters(b, writers, func(w, i int) {
		if _, err := s.Append(ctx, names[w][i%100], store.Any, e); err != nil {
			b.Error(err)
		}
	})
	b.StopTimer()
	return reportRate(b, b.N)
}

// benchRaw writes lines of the same size to a plain file, batch lines per write (and per
// fdatasync when sync is set): the cost of the disk alone. b.N counts lines.
func benchRaw(b *testing.B, batch int, sync bool) float64 {
	f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line := benchLine()
	buf := make([]byte, 0, len(line)*batch)
	for range batch {
		buf = append(buf, line...)
	}
	fd := int(f.Fd())
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		if _, err := f.Write(buf[:len(line)*min(batch, b.N-i)]); err != nil {
			b.Fatal(err)
		}
		if sync {
			if err := jsonl.Datasync(f, fd); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	return reportRate(b, b.N)
}

// fillStore appends n events round-robin over streams streams, in batches of 100 per stream.
func fillStore(b *testing.B, s *jsonl.Store, n, streams int) {
	b.Helper()
	e := benchEvent()
	batch := make([]store.EventData, 100)
	for i := range batch {
		batch[i] = e
	}
	for i := 0; i < n; i += len(batch) {
		mustAppend(b, s, fmt.Sprintf("s-%d", (i/len(batch))%streams), store.Any, batch...)
	}
}

func benchReadStream(b *testing.B, streams int) float64 {
	s := openStore(b, b.TempDir(), jsonl.WithNoSync())
	fillStore(b, s, 10_000*streams, streams)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, err := range s.ReadStream(ctx, "s-0", 0) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10_000 {
			b.Fatalf("read %d events, want 10000", n)
		}
	}
	return reportRate(b, 10_000*b.N)
}

func benchReadAll(b *testing.B) float64 {
	const n = 100_000
	s := openStore(b, b.TempDir(), jsonl.WithNoSync())
	fillStore(b, s, n, 100)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		got := 0
		for _, err := range s.ReadAll(ctx, 0) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
	}
	return reportRate(b, n*b.N)
}

// benchOpen opens a log of n events over n/1000 streams, written line by line with the
// store's encoder, and reports the index's heap size per event.
func benchOpen(b *testing.B, n int) float64 {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, jsonl.LogFile))
	if err != nil {
		b.Fatal(err)
	}
	e := benchEvent()
	e.ID = "6e0c1d2a-3b4c-4d5e-8f60-718293a4b5c6"
	streams := max(n/1000, 1)
	versions := make([]store.Version, streams)
	now := time.Now()
	var buf []byte
	for p := 1; p <= n; p++ {
		sid := p % streams
		versions[sid]++
		buf = jsonl.AppendLine(buf, store.Position(p), fmt.Sprintf("order-%d", sid), versions[sid], &e, now, 1)
		if len(buf) > 1<<20 || p == n {
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
			buf = buf[:0]
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := jsonl.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if h, _ := s.Head(context.Background()); h != store.Position(n) {
			b.Fatalf("head %d, want %d", h, n)
		}
		s.Close()
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "index-bytes/event")
	return reportRate(b, n*b.N)
}

// benchFollow appends b.N events one at a time (no sync), each after three subscribers that
// share events (as a server's projections and saga do) received the one before: subscribers
// that keep up. With the tail cache they take each new event from memory; without it each
// reads the line back and parses it.
func benchFollow(b *testing.B, cache int) float64 {
	s := openStore(b, b.TempDir(), jsonl.WithNoSync(), jsonl.WithTailCache(cache))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := benchEvent()
	var got [3]chan store.Position
	var followers sync.WaitGroup
	for i := range got {
		got[i] = make(chan store.Position, 1)
		followers.Go(func() {
			for ev, err := range s.SubscribeShared(ctx, 0) {
				if err != nil {
					return
				}
				got[i] <- ev.Position
			}
		})
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Append(ctx, "order-1", store.Any, e); err != nil {
			b.Fatal(err)
		}
		for _, c := range got {
			if p := <-c; p != store.Position(i+1) {
				b.Fatalf("a subscriber got position %d, want %d", p, i+1)
			}
		}
	}
	b.StopTimer()
	cancel()
	followers.Wait()
	return reportRate(b, b.N)
}
