package eventsourcing_test

import (
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// failingStore is a store that fails for good once failed is set, as a PostgreSQL store
// does when the log lost events under it: it says so through Failed, and its
// subscriptions end with that error.
type failingStore struct {
	store.Store
	failed     atomic.Bool
	subscribes atomic.Int64
}

var errFailedForGood = errors.New("store failed for good")

func (f *failingStore) Failed() error {
	if f.failed.Load() {
		return errFailedForGood
	}
	return nil
}

func (f *failingStore) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	f.subscribes.Add(1)
	return func(yield func(store.Event, error) bool) {
		for e, err := range f.Store.Subscribe(ctx, after) {
			if err == nil && f.failed.Load() {
				err = errFailedForGood
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

// TestRunner_stopsOnAStoreFailedForGood: a subscription that ends while the store says it
// has failed for good (Failed) stops its processors, as a closed store does: resubscribing
// cannot help until the store is opened again (a restart), and the runner had resubscribed
// and logged the same failure every resubscribeMax until then. A WaitFor fails at once with
// ErrProcessorStopped, and /readyz names the processor.
func TestRunner_stopsOnAStoreFailedForGood(t *testing.T) {
	mem := memory.New()
	defer mem.Close()
	fs := &failingStore{Store: mem}
	r := eventsourcing.NewRunner(fs, eventsourcing.WithRunnerLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	r.AddProjection(newTotals("t"))
	startRunner(t, r)

	ctx := context.Background()
	app, err := mem.Append(ctx, "counter-a", store.Any, store.EventData{Type: "CounterCreated", Data: []byte(`{"id":"a"}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, app.Position)
	fs.failed.Store(true)
	if app, err = mem.Append(ctx, "counter-a", store.Any, store.EventData{Type: "CounterAdded", Data: []byte(`{"id":"a","n":1}`)}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.WaitFor(wctx, app.Position); !errors.Is(err, eventsourcing.ErrProcessorStopped) {
		t.Fatalf("WaitFor after the store failed for good: %v, want ErrProcessorStopped", err)
	}
	if n := fs.subscribes.Load(); n != 1 {
		t.Errorf("the runner subscribed %d times; want once: a store failed for good is not subscribed to again", n)
	}
}
