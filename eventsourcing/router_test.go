package eventsourcing_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
)

// both is a command that two aggregates' command interfaces could take.
type both struct{}

func (both) Stream() string { return "account-x" }
func (both) stream() string { return "counter-x" }

func TestRouter(t *testing.T) {
	s := newStore(t)
	accounts := eventsourcing.NewHandler(s, eventsourcing.Aggregate[accountCmd, account, accountEvent]{
		Decider: accountDecider(), Codec: accountCodec(), Stream: accountCmd.Stream,
	})
	counters := newCounterHandler(s)
	var withdrawals int
	r := eventsourcing.NewRouter()
	eventsourcing.Route(r, accounts.Handle) // every accountCmd...
	eventsourcing.Route(r, counters.Handle) // ...and every counterCmd go to their handlers
	eventsourcing.Route(r, func(ctx context.Context, w withdraw, m eventsourcing.Meta) (eventsourcing.Result, error) {
		withdrawals++ // a command's own route wins over its interface's
		return accounts.Handle(ctx, w, m)
	})
	ctx := context.Background()
	for _, cmd := range []any{openAccount{ID: "a"}, deposit{ID: "a", Amount: 5}, withdraw{ID: "a", Amount: 2}, createCounter{ID: "c"}} {
		if _, err := r.Dispatch(ctx, cmd, eventsourcing.Meta{}); err != nil {
			t.Fatalf("Dispatch(%#v): %v", cmd, err)
		}
	}
	if n := len(readStream(t, s, "account-a")); n != 3 {
		t.Errorf("%d events in account-a, want 3", n)
	}
	if n := len(readStream(t, s, "counter-c")); n != 1 {
		t.Errorf("%d events in counter-c, want 1", n)
	}
	if withdrawals != 1 {
		t.Errorf("the withdraw route ran %d times, want 1", withdrawals)
	}

	// Refused, and nothing dispatched.
	for _, tt := range []struct {
		cmd  any
		want string
	}{
		{nil, "a nil command"},
		{"a string", "string"},
		{both{}, "implements both"},
		{&withdraw{ID: "a", Amount: 1}, "dispatch the value, not a pointer"},
	} {
		if _, err := r.Dispatch(ctx, tt.cmd, eventsourcing.Meta{}); !errors.Is(err, eventsourcing.ErrNoRoute) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Dispatch(%#v): %v, want ErrNoRoute saying %q", tt.cmd, err, tt.want)
		}
	}
	// A route added later is found, also for a type refused before.
	eventsourcing.Route(r, func(context.Context, both, eventsourcing.Meta) (eventsourcing.Result, error) {
		return eventsourcing.Result{}, nil
	})
	if _, err := r.Dispatch(ctx, both{}, eventsourcing.Meta{}); err != nil {
		t.Errorf("Dispatch(both{}) after its route was added: %v", err)
	}
}

// A saga whose commands go to more than one aggregate dispatches through a Router.
func TestRouter_sagaDispatch(t *testing.T) {
	s := newStore(t)
	counters := newCounterHandler(s)
	r := eventsourcing.NewRouter()
	eventsourcing.Route(r, counters.Handle)
	a := newCounterApp(t, s, eventsourcing.DispatchTo[counterCmd](r))
	startRunner(t, a.runner)
	res := mustHandle(t, counters, createCounter{ID: "a"}, eventsourcing.Meta{})
	waitFor(t, a.runner, res.Position)
	if _, ok := a.totals.get("mirror-a"); !ok {
		t.Fatal("the saga's command, dispatched through the router, did not create the mirror")
	}
}

func TestRoute_wiringMistakesPanic(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		route      func(r *eventsourcing.Router)
	}{
		{"a type routed twice", "routed twice", func(r *eventsourcing.Router) {
			eventsourcing.Route(r, func(context.Context, deposit, eventsourcing.Meta) (eventsourcing.Result, error) {
				return eventsourcing.Result{}, nil
			})
			eventsourcing.Route(r, func(context.Context, deposit, eventsourcing.Meta) (eventsourcing.Result, error) {
				return eventsourcing.Result{}, nil
			})
		}},
		{"a nil function", "a nil function", func(r *eventsourcing.Router) {
			eventsourcing.Route[deposit](r, nil)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(v.(string), tt.want) {
					t.Fatalf("panic %v, want one saying %q", v, tt.want)
				}
			}()
			tt.route(eventsourcing.NewRouter())
		})
	}
}

// narrowCmd is an accountCmd of its own kind: an interface that embeds another.
type narrowCmd interface {
	accountCmd
	narrow()
}

type audit struct{}

func (audit) Stream() string { return "account-audit" }
func (audit) narrow()        {}

// The narrowest interface route takes a command that several take; a route of any is the
// fallback; and routes may be added while commands are dispatched.
func TestRouter_interfaceRoutes(t *testing.T) {
	r := eventsourcing.NewRouter()
	var got []string
	var mu sync.Mutex
	to := func(name string) func(context.Context, any, eventsourcing.Meta) (eventsourcing.Result, error) {
		return func(context.Context, any, eventsourcing.Meta) (eventsourcing.Result, error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, name)
			return eventsourcing.Result{}, nil
		}
	}
	eventsourcing.Route(r, func(ctx context.Context, c accountCmd, m eventsourcing.Meta) (eventsourcing.Result, error) {
		return to("accountCmd")(ctx, c, m)
	})
	eventsourcing.Route(r, func(ctx context.Context, c narrowCmd, m eventsourcing.Meta) (eventsourcing.Result, error) {
		return to("narrowCmd")(ctx, c, m)
	})
	eventsourcing.Route(r, to("any"))
	ctx := context.Background()
	for _, cmd := range []any{audit{}, deposit{}, createCounter{}} {
		if _, err := r.Dispatch(ctx, cmd, eventsourcing.Meta{}); err != nil {
			t.Fatalf("Dispatch(%#v): %v", cmd, err)
		}
	}
	if want := []string{"narrowCmd", "accountCmd", "any"}; !slices.Equal(got, want) {
		t.Fatalf("routes taken %v, want %v", got, want)
	}

	// Run with -race: Route and Dispatch may meet.
	var wg sync.WaitGroup
	wg.Go(func() {
		eventsourcing.Route(r, func(context.Context, withdraw, eventsourcing.Meta) (eventsourcing.Result, error) {
			return eventsourcing.Result{}, nil
		})
	})
	for range 4 {
		wg.Go(func() {
			if _, err := r.Dispatch(ctx, withdraw{}, eventsourcing.Meta{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
