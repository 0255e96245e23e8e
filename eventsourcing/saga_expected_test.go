package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// TestWithSagaExpected: a refusal the saga expects is handled, logged at Info and counted in
// Rejections; another failure still is a failure, logged at Error. Before the option, every
// refusal, a race the domain expects included, counted in Failures, which alerts watch.
func TestWithSagaExpected(t *testing.T) {
	tests := []struct {
		name                       string
		opts                       []eventsourcing.SagaOption
		wantRejections, wantFailed int64
	}{
		{"expected", []eventsourcing.SagaOption{eventsourcing.WithSagaExpected(func(err error) bool {
			return errors.Is(err, decider.ErrAlreadyExists)
		})}, 1, 1},
		{"without the option", nil, 0, 2},
		{"a nil function", []eventsourcing.SagaOption{eventsourcing.WithSagaExpected(nil)}, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			h := newCounterHandler(s)
			last := createTwo(t, h)
			// The mirror of a is refused as the saga expects (its counter exists already),
			// that of b for a reason it does not.
			dispatch := func(_ context.Context, c counterCmd, _ eventsourcing.Meta) (eventsourcing.Result, error) {
				if c.(createCounter).ID == "mirror-a" {
					return eventsourcing.Result{}, fmt.Errorf("counter mirror-a: %w", decider.ErrAlreadyExists)
				}
				return eventsourcing.Result{}, errDeclined
			}
			log, logs := quietLogger()
			r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
			r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, dispatch, append(tt.opts, fastBackoff)...))
			runUntilStopped(t, r, last)

			st := statusOf(t, r, "mirror")
			if st.Rejections != tt.wantRejections || st.Failures != tt.wantFailed || st.Position != last {
				t.Errorf("status %+v, want %d rejections and %d failures at position %d", st, tt.wantRejections, tt.wantFailed, last)
			}
			lines := strings.Split(logs.String(), "\n")
			count := func(level, msg string) (n int64) {
				for _, l := range lines {
					if strings.Contains(l, "level="+level) && strings.Contains(l, msg) {
						n++
					}
				}
				return n
			}
			if n := count("INFO", "saga command refused, as the saga expects"); n != tt.wantRejections {
				t.Errorf("%d expected refusals logged at Info, want %d:\n%s", n, tt.wantRejections, logs.String())
			}
			if n := count("ERROR", "saga command failed"); n != tt.wantFailed {
				t.Errorf("%d failures logged at Error, want %d:\n%s", n, tt.wantFailed, logs.String())
			}
			// Both events were handled: the checkpoint is past them.
			if c, _ := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror"); c.Position != last {
				t.Errorf("checkpoint %+v, want position %d", c, last)
			}
		})
	}
}

// TestWithSagaExpected_closedStoreIsNoRefusal: a closed store under the saga's commands holds
// its checkpoint before the event, also when expected would take it for a refusal (one that
// takes every error IsTransient does not call transient, as a closed store is not). Before,
// the checkpoint was saved past events whose commands never ran.
func TestWithSagaExpected_closedStoreIsNoRefusal(t *testing.T) {
	for _, expected := range []bool{false, true} {
		t.Run(fmt.Sprint("WithSagaExpected ", expected), func(t *testing.T) {
			s := newStore(t)
			h := newCounterHandler(s)
			last := createTwo(t, h)
			dispatch := func(_ context.Context, c counterCmd, _ eventsourcing.Meta) (eventsourcing.Result, error) {
				return eventsourcing.Result{}, fmt.Errorf("the handler's store: %w", store.ErrClosed)
			}
			opts := []eventsourcing.SagaOption{fastBackoff}
			if expected {
				opts = append(opts, eventsourcing.WithSagaExpected(func(err error) bool { return !eventsourcing.IsTransient(err) }))
			}
			log, _ := quietLogger()
			r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
			r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, dispatch, opts...))
			runUntilStopped(t, r, last)
			st := statusOf(t, r, "mirror")
			c, _ := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror")
			if !st.CheckpointHeld || c.Position != 0 {
				t.Errorf("a closed store under the saga's commands: checkpoint held %v, saved at %d; want held, none saved", st.CheckpointHeld, c.Position)
			}
		})
	}
}
