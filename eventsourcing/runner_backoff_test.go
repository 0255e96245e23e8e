package eventsourcing_test

// The runner's resubscribe backoff starts again after a subscription that worked. It never
// returned to its minimum, so a process that once met a few failures in a row (a store
// restarting, say) waited resubscribeMax (2 s) after every later transient failure, however
// long the subscription had run well in between: the read models stood still, and a
// minPosition query in that window waited or timed out (found by review).

import (
	"context"
	"io"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// breakingStore fails the next failNow Subscribe calls at once, and breaks the running
// subscription when breakNext is set.
type breakingStore struct {
	*memory.Store
	mu         sync.Mutex
	failNow    int
	breakNext  atomic.Bool
	subscribed chan time.Time // each Subscribe call's time
}

func (b *breakingStore) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	select {
	case b.subscribed <- time.Now():
	default:
	}
	b.mu.Lock()
	fail := b.failNow > 0
	if fail {
		b.failNow--
	}
	b.mu.Unlock()
	if fail {
		return func(yield func(store.Event, error) bool) { yield(store.Event{}, errFault) }
	}
	return func(yield func(store.Event, error) bool) {
		for e, err := range b.Store.Subscribe(ctx, after) {
			if err == nil && b.breakNext.CompareAndSwap(true, false) {
				yield(store.Event{}, errFault)
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

func TestRunner_backoffStartsAgainAfterProgress(t *testing.T) {
	mem := memory.New()
	defer mem.Close()
	b := &breakingStore{Store: mem, failNow: 8, subscribed: make(chan time.Time, 100)}
	// Only the plain Store interface, so the runner calls Subscribe.
	r := eventsourcing.NewRunner(plainStore{b}, eventsourcing.WithRunnerLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
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
	b.breakNext.Store(true)
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

// plainStore exposes only store.Store.
type plainStore struct {
	s interface {
		store.Store
	}
}

func (p plainStore) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	return p.s.Append(ctx, stream, expected, events...)
}
func (p plainStore) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return p.s.ReadStream(ctx, stream, after)
}
func (p plainStore) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return p.s.ReadAll(ctx, after)
}
func (p plainStore) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return p.s.Subscribe(ctx, after)
}
func (p plainStore) Close() error { return p.s.Close() }
