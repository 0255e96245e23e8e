package metrics_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/metrics"
)

// statesSource reports a StatesStatus that a test changes between scrapes.
type statesSource struct {
	mu sync.Mutex
	st eventsourcing.StatesStatus
}

func (s *statesSource) StatesStatus() eventsourcing.StatesStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

func (s *statesSource) set(st eventsourcing.StatesStatus) {
	s.mu.Lock()
	s.st = st
	s.mu.Unlock()
}

func TestMetrics_WatchStates(t *testing.T) {
	m := metrics.New()
	src := &statesSource{}
	if err := m.WatchStates(src); err != nil {
		t.Fatal(err)
	}
	for k := range scrape(t, m) {
		if strings.HasPrefix(k, "eventgraph_projection_states_") {
			t.Errorf("sample %s served while states are not kept", k)
		}
	}
	src.set(eventsourcing.StatesStatus{Kept: true, Loaded: 7, Position: 7})
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_projection_states_position`:                7,
		`eventgraph_projection_states_saved_timestamp_seconds`: 0,
		`eventgraph_projection_states_saves_total`:             0,
		`eventgraph_projection_states_save_failures_total`:     0,
		`eventgraph_projection_states_bytes`:                   0,
	})
	saved := time.Unix(1_800_000_000, 500_000_000)
	src.set(eventsourcing.StatesStatus{Kept: true, Loaded: 7, Position: 42, SavedAt: saved, Bytes: 1234, Saves: 3, Failures: 2,
		Encode: 5 * time.Millisecond, Save: 250 * time.Millisecond})
	want(t, scrape(t, m), map[string]float64{
		`eventgraph_projection_states_position`:                42,
		`eventgraph_projection_states_saved_timestamp_seconds`: 1_800_000_000.5,
		`eventgraph_projection_states_bytes`:                   1234,
		`eventgraph_projection_states_saves_total`:             3,
		`eventgraph_projection_states_save_failures_total`:     2,
		`eventgraph_projection_states_encode_seconds`:          0.005,
		`eventgraph_projection_states_save_seconds`:            0.25,
	})
	if err := m.WatchStates(src); err == nil {
		t.Error("a second WatchStates succeeded, want an error")
	}
}
