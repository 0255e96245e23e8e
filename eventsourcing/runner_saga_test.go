package eventsourcing_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// gateSaga is a SagaProcessor whose handling of an event can be held until the test lets it
// go, and which records the order events start and finish in.
type gateSaga struct {
	mu       sync.Mutex
	started  []store.Position
	finished []store.Position
	gates    map[store.Position]chan struct{} // handling waits for the gate when one is set
	signals  map[store.Position]chan struct{} // closed when handling of the position starts
	done     chan store.Position              // receives each position once handled
	routes   map[store.Position]string        // keys other than the event's stream
}

func newGateSaga() *gateSaga {
	return &gateSaga{gates: map[store.Position]chan struct{}{}, signals: map[store.Position]chan struct{}{}, done: make(chan store.Position, 64), routes: map[store.Position]string{}}
}

func (g *gateSaga) Name() string { return "gate" }

// Route keys events by their stream, or by route[position] when set ("" runs it alone).
func (g *gateSaga) Route(e store.Event) string {
	if k, ok := g.routes[e.Position]; ok {
		return k
	}
	return e.StreamID
}

// hold makes the handling of p wait until the returned function is called.
func (g *gateSaga) hold(p store.Position) (release func()) {
	ch := make(chan struct{})
	g.gates[p] = ch
	return func() { close(ch) }
}

// startOf returns a channel closed once the handling of p has started.
func (g *gateSaga) startOf(p store.Position) <-chan struct{} {
	ch := make(chan struct{})
	g.signals[p] = ch
	return ch
}

func (g *gateSaga) Process(ctx context.Context, e store.Event, _ func(error)) (store.Position, error) {
	g.mu.Lock()
	g.started = append(g.started, e.Position)
	gate, signal := g.gates[e.Position], g.signals[e.Position]
	g.mu.Unlock()
	if err := enterHeld(ctx, signal, gate); err != nil {
		return 0, err
	}
	g.mu.Lock()
	g.finished = append(g.finished, e.Position)
	g.mu.Unlock()
	g.done <- e.Position
	return 0, nil
}

// nextHandled returns the position of the next event handled, failing the test if none is
// handled in a long while (a deadlock).
func (g *gateSaga) nextHandled(tb testing.TB, what string) store.Position {
	tb.Helper()
	select {
	case p := <-g.done:
		return p
	case <-time.After(10 * time.Second):
		tb.Fatalf("not handled: %s", what)
		return 0
	}
}

func (g *gateSaga) orders() (started, finished []store.Position) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.started), slices.Clone(g.finished)
}

// appendTo appends one event to each stream, in order.
func appendTo(tb testing.TB, s store.Store, streams ...string) {
	tb.Helper()
	for _, id := range streams {
		if _, err := s.Append(context.Background(), id, store.Any, store.EventData{Type: "Noted", Data: []byte(`{}`)}); err != nil {
			tb.Fatal(err)
		}
	}
}

// await waits for ch, failing the test if it takes unreasonably long (a deadlock).
func await(tb testing.TB, ch <-chan struct{}, what string) {
	tb.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s did not happen", what)
	}
}

func TestRunner_sagaParallelism(t *testing.T) {
	// Streams are spread over the workers by a hash: with eight other streams, one of them
	// shares stream a's worker with a probability of (1/64)^8.
	others := []string{"b", "c", "d", "e", "f", "g", "h", "i"}

	t.Run("events of different streams are handled concurrently", func(t *testing.T) {
		s := newStore(t)
		appendTo(t, s, append([]string{"a"}, others...)...)
		g := newGateSaga()
		release := g.hold(1)
		r := eventsourcing.NewRunner(s)
		r.AddSaga(g)
		startRunner(t, r)
		g.nextHandled(t, "another stream's event, while stream a's is held")
		release()
		waitFor(t, r, store.Position(1+len(others)))
	})

	t.Run("one stream's events in log order; the position only over the handled prefix", func(t *testing.T) {
		s := newStore(t)
		appendTo(t, s, append(append([]string{"a"}, others...), "a")...)
		last := store.Position(len(others) + 2)
		g := newGateSaga()
		release := g.hold(1)
		r := eventsourcing.NewRunner(s)
		r.AddSaga(g)
		startRunner(t, r)
		if p := g.nextHandled(t, "another stream's event, while stream a's is held"); p == 1 || p == last {
			t.Fatalf("stream a's event %d was handled while event 1 was held", p)
		}
		started, _ := g.orders()
		if slices.Contains(started, last) {
			t.Fatalf("stream a's second event started before its first finished: started %v", started)
		}
		if st := statusOf(t, r, "gate"); st.Position != 0 {
			t.Fatalf("saga position %d while event 1 is still in flight, want 0", st.Position)
		}
		release()
		waitFor(t, r, last)
		_, finished := g.orders()
		if i1, i2 := slices.Index(finished, 1), slices.Index(finished, last); i1 < 0 || i2 < i1 {
			t.Fatalf("finished %v: want event 1 before event %d (same stream)", finished, last)
		}
		if st := statusOf(t, r, "gate"); st.Position != last {
			t.Fatalf("saga position %d, want %d", st.Position, last)
		}
	})

	// n < 1 is taken as 1 (see WithSagaParallelism): a pool of no workers handled nothing.
	for _, n := range []int{1, 0, -3} {
		t.Run(fmt.Sprintf("parallelism %d handles every event in log order", n), func(t *testing.T) {
			s := newStore(t)
			appendTo(t, s, "a", "b", "c", "a", "d", "b")
			g := newGateSaga()
			r := eventsourcing.NewRunner(s, eventsourcing.WithSagaParallelism(n))
			r.AddSaga(g)
			startRunner(t, r)
			waitFor(t, r, 6)
			started, finished := g.orders()
			want := []store.Position{1, 2, 3, 4, 5, 6}
			if !slices.Equal(started, want) || !slices.Equal(finished, want) {
				t.Fatalf("started %v, finished %v; want both %v", started, finished, want)
			}
		})
	}
}
