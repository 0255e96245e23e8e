package metrics_test

import (
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/metrics"
)

// store_restamped_appends_total is exported at 0 once RestampObserver is called, not before,
// and counts the appends held more than RestampThreshold behind the log's last event, not
// those a concurrent append's commit restamped by microseconds.
func TestMetrics_RestampObserver(t *testing.T) {
	const family = "eventgraph_store_restamped_appends_total"
	m := metrics.New()
	if _, ok := scrape(t, m)[family]; ok {
		t.Fatalf("%s is exported before RestampObserver was called", family)
	}
	observe := m.RestampObserver()
	m.RestampObserver() // a second call registers nothing twice
	want(t, scrape(t, m), map[string]float64{family: 0})
	for _, lead := range []time.Duration{time.Microsecond, 40 * time.Millisecond, metrics.RestampThreshold} {
		observe(lead)
	}
	want(t, scrape(t, m), map[string]float64{family: 0})
	observe(metrics.RestampThreshold + time.Nanosecond)
	observe(24 * time.Hour)
	want(t, scrape(t, m), map[string]float64{family: 2})
}
