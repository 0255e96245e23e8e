package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkWrite runs every write case through `go test -bench`: b.N appends shared by the
// writers, reported as events/s. The command (`go run .`) is the side-by-side report; this is
// for profiling one case with the usual tools (-cpuprofile, -benchtime).
func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	for _, c := range writeCases() {
		for _, n := range []int{1, 16, 64} {
			if c.writers != nil && !c.writers(n) {
				continue
			}
			b.Run(fmt.Sprintf("%s/writers=%d", c.key, n), func(b *testing.B) {
				t, err := c.open(ctx, b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				m, err := measureWrites(ctx, t, n, limits{duration: time.Hour, maxEvents: int64(max(b.N, n))})
				b.StopTimer()
				if cerr := t.close(); cerr != nil {
					b.Error(cerr)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(m.rate(), "events/s")
			})
		}
	}
}

// BenchmarkReadStream reads a 10,000-event stream b.N times in every read case.
func BenchmarkReadStream(b *testing.B) {
	ctx := context.Background()
	const n = 10_000
	for _, c := range readCases() {
		b.Run(c.key, func(b *testing.B) {
			t, err := c.open(ctx, b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := t.close(); err != nil {
					b.Error(err)
				}
			}()
			if err := t.fill(ctx, "read-stream", n); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				got, err := t.read(ctx, "read-stream")
				if err != nil || got != n {
					b.Fatalf("read %d events, %v; want %d", got, err, n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
