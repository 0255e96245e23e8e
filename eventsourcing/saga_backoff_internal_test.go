package eventsourcing

import (
	"context"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
)

// TestWithSagaBackoff: the delays given replace the defaults, values ≤ 0 keep them, and the
// longest delay is never shorter than the first.
func TestWithSagaBackoff(t *testing.T) {
	tests := []struct {
		name     string
		opts     []SagaOption
		min, max time.Duration
	}{
		{"without the option", nil, DefaultSagaMinBackoff, DefaultSagaMaxBackoff},
		{"both delays", []SagaOption{WithSagaBackoff(time.Millisecond, time.Second)}, time.Millisecond, time.Second},
		{"zeros keep the defaults", []SagaOption{WithSagaBackoff(0, 0)}, DefaultSagaMinBackoff, DefaultSagaMaxBackoff},
		{"negatives keep the defaults", []SagaOption{WithSagaBackoff(-1, -1)}, DefaultSagaMinBackoff, DefaultSagaMaxBackoff},
		{"the first delay alone", []SagaOption{WithSagaBackoff(time.Millisecond, 0)}, time.Millisecond, DefaultSagaMaxBackoff},
		{"the longest delay alone", []SagaOption{WithSagaBackoff(0, time.Minute)}, DefaultSagaMinBackoff, time.Minute},
		{"a first delay past the longest raises it", []SagaOption{WithSagaBackoff(time.Hour, time.Second)}, time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewSaga("s", decider.Saga[string, streamCommand]{React: func(string) []streamCommand { return nil }}, triggerCodecOf[string]{},
				func(context.Context, streamCommand, Meta) (Result, error) { return Result{}, nil }, tt.opts...)
			cfg := p.(*sagaProcessor[string, streamCommand]).cfg
			if cfg.minBackoff != tt.min || cfg.maxBackoff != tt.max {
				t.Errorf("backoff from %v up to %v, want from %v up to %v", cfg.minBackoff, cfg.maxBackoff, tt.min, tt.max)
			}
		})
	}
}
