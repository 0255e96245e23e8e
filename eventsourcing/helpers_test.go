package eventsourcing_test

import (
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

type counterHandler = eventsourcing.Handler[counterCmd, counterState, counterEvent]

// newStore returns an empty store that is closed when the test ends.
func newStore(tb testing.TB) store.Store {
	tb.Helper()
	s := memory.New()
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

func newCounterHandler(s store.Store, opts ...eventsourcing.HandlerOption) *counterHandler {
	return eventsourcing.NewHandler(s, counterAggregate(), opts...)
}

// mustHandle handles a command that must succeed.
func mustHandle(tb testing.TB, h *counterHandler, c counterCmd, m eventsourcing.Meta) eventsourcing.Result {
	tb.Helper()
	res, err := h.Handle(context.Background(), c, m)
	if err != nil {
		tb.Fatalf("Handle(%+v, %+v): %v", c, m, err)
	}
	return res
}

// readAll returns every event of the log.
func readAll(tb testing.TB, s store.Store) []store.Event {
	tb.Helper()
	var out []store.Event
	for e, err := range s.ReadAll(context.Background(), 0) {
		if err != nil {
			tb.Fatalf("ReadAll: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// readStream returns every event of a stream.
func readStream(tb testing.TB, s store.Store, stream string) []store.Event {
	tb.Helper()
	var out []store.Event
	for e, err := range s.ReadStream(context.Background(), stream, 0) {
		if err != nil {
			tb.Fatalf("ReadStream(%s): %v", stream, err)
		}
		out = append(out, e)
	}
	return out
}

// faultyStore wraps a store and injects failures.
type faultyStore struct {
	store.Store
	mu sync.Mutex
	// beforeAppend, if set, runs before each Append; a non-nil error fails the Append.
	beforeAppend func(stream string) error
	// readErrs fails that many ReadStream calls.
	readErrs int
	// failRead, if > 0, fails the failRead-th ReadStream call (counting from 1).
	failRead  int
	readCalls int
	// subscribeErrs fails that many Subscribe calls at once.
	subscribeErrs int
	subscribes    atomic.Int64 // Subscribe calls
	// subscribed, if set, gets each Subscribe call's time (never blocking).
	subscribed chan time.Time
	// breakLive, when set, fails the running subscription at its next event, once.
	breakLive atomic.Bool
	appends   atomic.Int64
}

var errFault = errors.New("injected fault")

func (f *faultyStore) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	f.appends.Add(1)
	f.mu.Lock()
	hook := f.beforeAppend
	f.mu.Unlock()
	if hook != nil {
		if err := hook(stream); err != nil {
			return store.Appended{}, err
		}
	}
	return f.Store.Append(ctx, stream, expected, events...)
}

func (f *faultyStore) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	f.mu.Lock()
	f.readCalls++
	fail := f.readErrs > 0 || f.readCalls == f.failRead
	if f.readErrs > 0 {
		f.readErrs--
	}
	f.mu.Unlock()
	if fail {
		return func(yield func(store.Event, error) bool) { yield(store.Event{}, errFault) }
	}
	return f.Store.ReadStream(ctx, stream, after)
}

func (f *faultyStore) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	f.subscribes.Add(1)
	select {
	case f.subscribed <- time.Now():
	default:
	}
	f.mu.Lock()
	fail := f.subscribeErrs > 0
	if fail {
		f.subscribeErrs--
	}
	f.mu.Unlock()
	if fail {
		return func(yield func(store.Event, error) bool) { yield(store.Event{}, errFault) }
	}
	return func(yield func(store.Event, error) bool) {
		for e, err := range f.Store.Subscribe(ctx, after) {
			if err == nil && f.breakLive.CompareAndSwap(true, false) {
				yield(store.Event{}, errFault)
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

func version(v store.Version) *store.Version { return &v }

// enterHeld is how a test saga's step starts: it closes signal (when not nil) to say the step
// started, then waits until gate (when not nil) is closed, or ctx ends.
func enterHeld(ctx context.Context, signal, gate chan struct{}) error {
	if signal != nil {
		close(signal)
	}
	if gate == nil {
		return nil
	}
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
