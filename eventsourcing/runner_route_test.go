package eventsourcing_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// claim is the command of the claims saga: it claims the stream Target for Source.
type claim struct{ Source, Target string }

func (c claim) Stream() string { return c.Target }

// claimsLog records the order the claims saga's commands start and finish in, and can hold
// the command for one source until the test lets it go.
type claimsLog struct {
	mu       sync.Mutex
	log      []string // "start x", "finish x"
	hold     map[string]chan struct{}
	started  map[string]chan struct{}
	finished chan string // receives each finished claim's source, when not nil
}

func (l *claimsLog) dispatch(ctx context.Context, c claim, _ eventsourcing.Meta) (eventsourcing.Result, error) {
	l.mu.Lock()
	l.log = append(l.log, "start "+c.Source)
	gate, signal := l.hold[c.Source], l.started[c.Source]
	l.mu.Unlock()
	if err := enterHeld(ctx, signal, gate); err != nil {
		return eventsourcing.Result{}, err
	}
	l.mu.Lock()
	l.log = append(l.log, "finish "+c.Source)
	l.mu.Unlock()
	if l.finished != nil {
		l.finished <- c.Source
	}
	return eventsourcing.Result{}, nil
}

// awaitFinished waits until each of sources has finished, failing after a long while.
func (l *claimsLog) awaitFinished(tb testing.TB, sources ...string) {
	tb.Helper()
	want := map[string]bool{}
	for _, s := range sources {
		want[s] = true
	}
	for len(want) > 0 {
		select {
		case s := <-l.finished:
			delete(want, s)
		case <-time.After(10 * time.Second):
			tb.Fatalf("claims of %v did not finish", want)
		}
	}
}

// others are events after the one a test holds back, on streams and with targets of their
// own: once they have all been handled, an event dispatched before them that was free to run
// would almost surely have run too.
var others = []string{"o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"}

func (l *claimsLog) entries() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.log)
}

// holdBack runs saga over s, holds the claim of source held, waits until the claims of
// others have finished, checks that the claim of blocked has not started, then releases held
// and checks that blocked started only after held finished. last is the log's last position.
func holdBack(t *testing.T, s store.Store, saga decider.Saga[counterEvent, claim], held, blocked string, others []string, last store.Position) {
	t.Helper()
	release, started := make(chan struct{}), make(chan struct{})
	l := &claimsLog{hold: map[string]chan struct{}{held: release}, started: map[string]chan struct{}{held: started}, finished: make(chan string, 16)}
	r := eventsourcing.NewRunner(s)
	r.AddSaga(eventsourcing.NewSaga("claims", saga, counterCodec{}, l.dispatch))
	startRunner(t, r)

	await(t, started, held+"'s claim starting")
	l.awaitFinished(t, others...) // independent claims run while held's is held
	if got := l.entries(); slices.Contains(got, "start "+blocked) {
		t.Fatalf("%s's claim started while %s's was held: %v", blocked, held, got)
	}
	close(release)
	waitFor(t, r, last)
	got := l.entries()
	if fh, sb := slices.Index(got, "finish "+held), slices.Index(got, "start "+blocked); fh < 0 || sb < fh {
		t.Fatalf("order %v: want %s's claim finished before %s's started", got, held, blocked)
	}
}

// TestRunner_sagaRoutesByCommandStream: NewSaga's processors run the commands for one stream
// in the log order of the events that caused them, whatever streams those events are on,
// and commands for different streams concurrently.
func TestRunner_sagaRoutesByCommandStream(t *testing.T) {
	saga := decider.Saga[counterEvent, claim]{React: func(e counterEvent) []claim {
		if c, ok := e.(counterCreated); ok {
			target := "t-" + c.ID
			if c.ID == "x" || c.ID == "y" {
				target = "T" // x and y claim the same stream
			}
			return []claim{{Source: c.ID, Target: target}}
		}
		return nil
	}}
	s := newStore(t)
	for _, id := range append([]string{"x", "y"}, others...) { // each on a stream of its own
		if _, err := s.Append(context.Background(), "counter-"+id, store.NoStream, store.EventData{Type: "CounterCreated", Data: []byte(`{"id":"` + id + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	holdBack(t, s, saga, "x", "y", others, store.Position(2+len(others)))
}

// TestRunner_sagaKeepsStreamOrder: events of one stream are handled in log order even when
// their commands address different streams (a restaurant's placements create their orders in
// the order they were placed).
func TestRunner_sagaKeepsStreamOrder(t *testing.T) {
	saga := decider.Saga[counterEvent, claim]{React: func(e counterEvent) []claim {
		if a, ok := e.(counterAdded); ok {
			return []claim{{Source: fmt.Sprint(a.ID, a.N), Target: fmt.Sprint("t-", a.ID, a.N)}}
		}
		return nil
	}}
	s := newStore(t)
	add := func(id string, n int) {
		data := fmt.Sprintf(`{"id":%q,"n":%d}`, id, n)
		if _, err := s.Append(context.Background(), "counter-"+id, store.Any, store.EventData{Type: "CounterAdded", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
	add("a", 1)
	add("a", 2) // same stream as a1, another target
	for _, id := range others {
		add(id, 1)
	}
	var rest []string
	for _, id := range others {
		rest = append(rest, id+"1")
	}
	holdBack(t, s, saga, "a1", "a2", rest, store.Position(2+len(others)))
}

// TestRunner_sagaRoutes covers how the Runner uses a SagaRouter's keys, and that a plain
// SagaProcessor gets one event at a time.
func TestRunner_sagaRoutes(t *testing.T) {
	t.Run("an event with an empty key waits for every earlier one and runs alone", func(t *testing.T) {
		s := newStore(t)
		appendTo(t, s, "a", "b", "c", "d", "e")
		g := newGateSaga()
		g.routes[3] = ""
		release := g.hold(1)
		r := eventsourcing.NewRunner(s)
		r.AddSaga(g)
		startRunner(t, r)
		if p := g.nextHandled(t, "event 2 while event 1 is held"); p != 2 {
			t.Fatalf("handled %d first, want 2", p)
		}
		if started, _ := g.orders(); slices.Contains(started, 3) || slices.Contains(started, 4) {
			t.Fatalf("started %v while event 1 was held: events 3 (alone) and 4 (after it) must wait", started)
		}
		release()
		waitFor(t, r, 5)
		started, finished := g.orders()
		at := func(list []store.Position, p store.Position) int { return slices.Index(list, p) }
		// 3 starts after 1 and 2 finished, and 4 and 5 start after 3 finished.
		if at(started, 3) != 2 || at(finished, 3) != 2 || at(started, 4) < 3 || at(started, 5) < 3 {
			t.Fatalf("started %v, finished %v: want event 3 third to start and finish, after 1 and 2", started, finished)
		}
	})

	t.Run("an event whose Route panics runs alone, and the saga goes on", func(t *testing.T) {
		// Route runs on the Runner's dispatching goroutine, where a panic would kill the
		// process, and again at every restart.
		s := newStore(t)
		appendTo(t, s, "a", "b", "c")
		g := newGateSaga()
		log, logs := quietLogger()
		r := eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log))
		r.AddSaga(panickyRoute{g, 2})
		startRunner(t, r)
		waitFor(t, r, 3)
		started, finished := g.orders()
		want := []store.Position{1, 2, 3} // 2 waited for 1, and 3 for 2
		if !slices.Equal(started, want) || !slices.Equal(finished, want) {
			t.Fatalf("started %v, finished %v; want both %v", started, finished, want)
		}
		if !strings.Contains(logs.String(), "Route panicked") {
			t.Errorf("the panic is not logged:\n%s", logs.String())
		}
	})

	t.Run("a plain SagaProcessor gets one event at a time, in log order", func(t *testing.T) {
		s := newStore(t)
		appendTo(t, s, "a", "b", "c", "a", "d", "b")
		g := newGateSaga()
		first := g.startOf(1)
		release := g.hold(1)
		r := eventsourcing.NewRunner(s) // default parallelism
		r.AddSaga(plainSaga{g})
		startRunner(t, r)
		await(t, first, "event 1 starting")
		release() // by now, run concurrently, the other streams' events would have overtaken it
		waitFor(t, r, 6)
		started, finished := g.orders()
		want := []store.Position{1, 2, 3, 4, 5, 6}
		if !slices.Equal(started, want) || !slices.Equal(finished, want) {
			t.Fatalf("started %v, finished %v; want both %v", started, finished, want)
		}
	})
}

// panickyRoute is its gateSaga with a Route that panics for the event at one position.
type panickyRoute struct {
	*gateSaga
	at store.Position
}

func (p panickyRoute) Route(e store.Event) string {
	if e.Position == p.at {
		panic("no route")
	}
	return p.gateSaga.Route(e)
}

// plainSaga hides everything of its gateSaga but the SagaProcessor methods.
type plainSaga struct{ g *gateSaga }

func (p plainSaga) Name() string { return p.g.Name() }
func (p plainSaga) Process(ctx context.Context, e store.Event, onRetry func(error)) (store.Position, error) {
	return p.g.Process(ctx, e, onRetry)
}

// TestSaga_Route checks the keys NewSaga's processors give events (see Route): the stream
// all their commands address, the event's own stream when they cause none, and "" (run
// alone) when the commands address several streams or cannot tell theirs.
func TestSaga_Route(t *testing.T) {
	saga := decider.Saga[counterEvent, any]{React: func(e counterEvent) []any {
		switch c, _ := e.(counterCreated); c.ID {
		case "one":
			return []any{claim{Source: "one", Target: "T1"}}
		case "same":
			return []any{claim{Source: "same", Target: "T1"}, claim{Source: "same", Target: "T1"}}
		case "two":
			return []any{claim{Source: "two", Target: "T1"}, claim{Source: "two", Target: "T2"}}
		case "untold":
			return []any{claim{Source: "untold", Target: "T1"}, createCounter{ID: "x"}} // no Stream method
		}
		return nil
	}}
	noDispatch := func(context.Context, any, eventsourcing.Meta) (eventsourcing.Result, error) {
		t.Error("Route dispatched a command")
		return eventsourcing.Result{}, nil
	}
	router, ok := eventsourcing.NewSaga("claims", saga, counterCodec{}, noDispatch).(eventsourcing.SagaRouter)
	if !ok {
		t.Fatal("NewSaga's processor is not a SagaRouter")
	}
	for _, tt := range []struct {
		name, id, typ, want string
	}{
		{"commands for one stream: that stream", "one", "CounterCreated", "T1"},
		{"several commands for one stream: that stream", "same", "CounterCreated", "T1"},
		{"commands for two streams: run alone", "two", "CounterCreated", ""},
		{"a command that does not tell its stream: run alone", "untold", "CounterCreated", ""},
		{"no command: the event's stream", "none", "CounterCreated", "counter-none"},
		{"a type the codec does not handle: the event's stream", "one", "Unknown", "counter-one"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := store.Event{ID: "e-" + tt.id, StreamID: "counter-" + tt.id, Version: 1, Position: 1, Type: tt.typ, Data: []byte(`{"id":"` + tt.id + `"}`)}
			if got := router.Route(e); got != tt.want {
				t.Errorf("Route = %q, want %q", got, tt.want)
			}
		})
	}
}
