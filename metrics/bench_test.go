package metrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/metrics"
)

// BenchmarkMetrics_ObserveCommand measures what counting a command costs the handler.
func BenchmarkMetrics_ObserveCommand(b *testing.B) {
	m := metrics.New()
	o := eventsourcing.CommandObservation{Type: "CreateRestaurant", Duration: time.Millisecond}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveCommand(ctx, o)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "observations/s")
}

// BenchmarkMetrics_StoreObserver measures what recording an append costs the store.
func BenchmarkMetrics_StoreObserver(b *testing.B) {
	o := metrics.New().StoreObserver()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o.Appended(1, time.Millisecond, nil)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "observations/s")
}

// BenchmarkMetrics_Scrape measures one scrape of /metrics with the runtime collectors.
func BenchmarkMetrics_Scrape(b *testing.B) {
	m := metrics.New()
	m.ObserveCommand(context.Background(), eventsourcing.CommandObservation{Type: "CreateRestaurant"})
	h := m.Handler()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
