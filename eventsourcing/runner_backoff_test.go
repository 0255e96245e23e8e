package eventsourcing_test

// The runner's resubscribe backoff starts again after a subscription that worked. It never
// returned to its minimum, so a process that once met a few failures in a row (a store
// restarting, say) waited resubscribeMax (2 s) after every later transient failure, however
// long the subscription had run well in between: the read models stood still, and a
// minPosition query in that window waited or timed out (found by review).

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

func TestRunner_backoffStartsAgainAfterProgress(t *testing.T) {
	mem := memory.New()
	defer mem.Close()
	b := &faultyStore{Store: mem, subscribeErrs: 8, subscribed: make(chan time.Time, 100)}
	r := eventsourcing.NewRunner(b, eventsourcing.WithRunnerLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	r.AddProjection(newTotals("t"))
	startRunner(t, r)

	// A bad start: eight failures in a row (about 2.5 s of backoff), then it works.
	ctx := context.Background()
	app, err := mem.Append(ctx, "counter-a", store.Any, store.EventData{Type: "CounterCreated", Data: []byte(`{"id":"a"}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, app.Position)
	// Long healthy operation: many events processed.
	for range 500 {
		if app, err = mem.Append(ctx, "counter-a", store.Any, store.EventData{Type: "CounterAdded", Data: []byte(`{"id":"a","n":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, r, app.Position)
	for len(b.subscribed) > 0 {
		<-b.subscribed
	}

	// One transient failure, long after the bad start.
	b.breakLive.Store(true)
	broke := time.Now()
	if app, err = mem.Append(ctx, "counter-a", store.Any, store.EventData{Type: "CounterAdded", Data: []byte(`{"id":"a","n":1}`)}); err != nil {
		t.Fatal(err)
	}
	var again time.Time
	select {
	case again = <-b.subscribed:
	case <-time.After(10 * time.Second):
		t.Fatal("never resubscribed")
	}
	waitFor(t, r, app.Position)
	// The minimum backoff is 10 ms, the one it kept 2 s.
	if gap := again.Sub(broke); gap > time.Second {
		t.Errorf("one transient failure after 501 events processed stalled the projections %v before resubscribing; want the minimum backoff", gap.Round(time.Millisecond))
	}
}
