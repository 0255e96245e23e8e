package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
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

// silentHead is a store whose Head, once muted, answers only when its context ends: a
// database that takes connections but no longer answers.
type silentHead struct {
	store.Store
	muted *atomic.Bool
}

func (s silentHead) Head(ctx context.Context) (store.Position, error) {
	if s.muted.Load() {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return store.Head(ctx, s.Store)
}

// TestMain_readyzWhenTheStoreDoesNotAnswer: a server whose store does not tell its head
// within storeCheckTimeout is not ready, on any store (TestMain_readyzAsksTheStore drops a
// PostgreSQL schema; this one needs no database), says so without the cause, and is ready
// again once the store answers.
func TestMain_readyzWhenTheStoreDoesNotAnswer(t *testing.T) {
	muted := new(atomic.Bool)
	m := NewMain()
	m.wrapStore = func(s store.Store) store.Store { return silentHead{s, muted} }
	runMain(t, m, "--store", "memory")
	awaitReady(t, m)
	readiness(t, m, http.StatusOK, "ready", 1)

	muted.Store(true)
	readiness(t, m, http.StatusServiceUnavailable, "the event store does not answer", 0)

	muted.Store(false)
	readiness(t, m, http.StatusOK, "ready", 1)
}
