package eventsourcing_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// A saga given WithSagaRetryLimit(n) tries a command that keeps failing transiently n+1
// times, then counts the failure and goes on (a WaitFor for its event returns), holding its
// checkpoint before the event, so that the next start handles it again; without a limit it
// retries until the Runner stops, holding back the events behind it.
func TestSaga_retryLimit(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	var calls atomic.Int64
	unavailable := func(context.Context, counterCmd, eventsourcing.Meta) (eventsourcing.Result, error) {
		calls.Add(1)
		return eventsourcing.Result{}, &eventsourcing.StoreError{Op: "append", Stream: "counter-mirror-a", Err: store.ErrConflict}
	}
	log, logs := quietLogger()
	r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
	r.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, unavailable, fastBackoff, eventsourcing.WithSagaRetryLimit(2)))
	res := mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	runUntilStopped(t, r, res.Position) // returns: the saga gave up and went on
	if n := calls.Load(); n != 3 {
		t.Errorf("%d dispatches, want 3 (the first and two retries)", n)
	}
	if st := statusOf(t, r, "mirror"); st.Failures != 1 || st.Retries != 2 || !strings.Contains(st.LastError, "gave up after 2 retries") {
		t.Errorf("status %+v, want 1 failure after 2 retries", st)
	}
	if !strings.Contains(logs.String(), "checkpoint held") {
		t.Errorf("logs %q: want the held checkpoint reported", logs.String())
	}
	c, err := s.(store.Checkpointer).Checkpoint(context.Background(), "saga:mirror")
	if err != nil || c.Position >= res.Position {
		t.Fatalf("checkpoint %+v, %v: want it before position %d, the event given up on", c, err, res.Position)
	}

	// Once the cause is gone, the next start creates the mirror.
	again := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
	again.AddSaga(eventsourcing.NewSaga("mirror", mirrorSaga(), counterCodec{}, h.Handle, fastBackoff, eventsourcing.WithSagaRetryLimit(2)))
	runUntilStopped(t, again, res.Position)
	if evs := readStream(t, s, "counter-mirror-a"); len(evs) != 1 {
		t.Fatalf("after a restart: %d events in the mirror's stream, want 1", len(evs))
	}
}
