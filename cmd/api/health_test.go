package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// readiness checks that /readyz answers status with body and that the eventgraph_ready
// gauge is gauge, as readiness has one answer.
func readiness(tb testing.TB, m *Main, status int, body string, gauge float64) {
	tb.Helper()
	resp, b := httpGet(tb, m.URL()+"/readyz")
	if resp.StatusCode != status || strings.TrimSpace(string(b)) != body {
		tb.Errorf("GET /readyz: %d %q, want %d %q", resp.StatusCode, b, status, body)
	}
	if v := sample(tb, scrapeMetrics(tb, m), `eventgraph_ready`); v != gauge {
		tb.Errorf("eventgraph_ready = %v while /readyz answers %d, want %v", v, resp.StatusCode, gauge)
	}
}

// TestMain_readyGaugeAgreesWithReadyz: the eventgraph_ready gauge says what /readyz says. It
// said only that start-up had finished, so it stayed 1 while /readyz answered 503 for a
// projection that had stopped (or a store that did not answer), and an alert on it never
// fired (found by an SRE review).
func TestMain_readyGaugeAgreesWithReadyz(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	awaitReady(t, m)
	readiness(t, m, http.StatusOK, "ready", 1)

	// A restaurant event whose body the read model cannot decode stops its projection.
	appended, err := m.store.Append(testCtx(t), "restaurant-bad", store.NoStream, store.EventData{
		Type: "RestaurantCreated", Data: json.RawMessage(`{"restaurantId": 5}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	// WaitFor fails at once when a processor stopped before the position: the projection
	// has stopped by the time it returns.
	if err := m.svc.WaitFor(testCtx(t), appended.Position); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("WaitFor(%d) = %v, want ErrProcessorStopped", appended.Position, err)
	}
	readiness(t, m, http.StatusServiceUnavailable, "projection restaurants stopped at position 0", 0)
}
