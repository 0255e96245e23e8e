package graph_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// batchProbe is a memory store that reads many event ids at once (store.EventIDsReader, as
// PostgreSQL's does), counts its reads and the positions they ask for, fails them while
// failing is set, and, while together is set, holds each read until that many are in flight.
type batchProbe struct {
	*memory.Store
	batches, asked atomic.Int64
	failing        atomic.Bool
	panics         atomic.Bool
	together       int

	mu       sync.Mutex
	inFlight int
	met      chan struct{} // closed once together reads were in flight at once
}

func (s *batchProbe) EventIDsAt(ctx context.Context, ps []store.Position) (map[store.Position]string, error) {
	s.batches.Add(1)
	s.asked.Add(int64(len(ps)))
	if s.together > 0 {
		s.mu.Lock()
		s.inFlight++
		if s.inFlight == s.together {
			close(s.met)
		}
		s.mu.Unlock()
		select {
		case <-s.met:
		case <-time.After(10 * time.Second): // the reads came one after another: the test fails
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.failing.Load() {
		return nil, errors.New("statement timeout")
	}
	if s.panics.Load() {
		panic("a driver's bug")
	}
	ids := map[store.Position]string{}
	for _, p := range ps {
		if id, ok, err := s.Store.EventIDAt(ctx, p); err != nil {
			return nil, err
		} else if ok {
			ids[p] = id
		}
	}
	return ids, nil
}

// probeEnv is an env over a batchProbe with restaurants r0 to r<restaurants-1> and orders
// o0 to o<orders-1> placed at them in turn, projected.
func probeEnv(t *testing.T, restaurants, orders int) (*env, *batchProbe) {
	t.Helper()
	var probe *batchProbe
	e := newEnv(t, withStore(func(s store.Store) store.Store {
		probe = &batchProbe{Store: s.(*memory.Store)}
		return probe
	}))
	for i := range restaurants {
		e.create(t, restaurantInput(fmt.Sprint("r", i), "a"))
	}
	var last int64
	for i := range orders {
		last = e.place(t, map[string]any{"restaurantId": fmt.Sprint("r", i%restaurants), "orderId": fmt.Sprint("o", i), "menuItemIds": []string{"a"}}).Position
	}
	if err := e.svc.WaitFor(testContext(t), store.Position(last+1)); err != nil { // the saga's creations projected
		t.Fatal(err)
	}
	return e, probe
}

// A page whose nodes' eventIds fail to read (the database times out) asks the store once:
// every node's eventId fails with that one read, not each with a read of its own.
func TestEventID_aFailedBatchIsReadOnce(t *testing.T) {
	e, probe := probeEnv(t, 1, 20)
	probe.failing.Store(true)
	probe.batches.Store(0)
	r := e.do(t, `{ orders(first: 50) { nodes { eventId } } }`, nil)
	if len(r.Errors) != 20 || r.Errors[0].Code() != "INTERNAL_SERVER_ERROR" {
		t.Errorf("errors %+v, want INTERNAL_SERVER_ERROR at each of the 20 eventIds", r.Errors)
	}
	if b := probe.batches.Load(); b != 1 {
		t.Errorf("%d reads of the page's ids (%d positions in all), want 1: each waiting field read them again", b, probe.asked.Load())
	}
	probe.failing.Store(false)
	var out struct {
		Orders struct{ Nodes []struct{ EventID string } }
	}
	e.must(t, `{ orders(first: 50) { nodes { eventId } } }`, nil, &out)
	if len(out.Orders.Nodes) != 20 || out.Orders.Nodes[19].EventID == "" {
		t.Errorf("once the store answers again: %+v, want the 20 ids", out.Orders)
	}
}

// The eventIds of entities no page registered (single orders, aliased) are read at the same
// time, each alone, as without the loader: not one after another.
func TestEventID_singleReadsRunTogether(t *testing.T) {
	e, probe := probeEnv(t, 1, 3)
	probe.met, probe.together = make(chan struct{}), 3
	var out map[string]struct{ EventID string }
	e.must(t, `{ a: order(id: "o0") { eventId } b: order(id: "o1") { eventId } c: order(id: "o2") { eventId } }`, nil, &out)
	select {
	case <-probe.met:
	default:
		t.Errorf("the three orders' eventIds were not read at the same time (%d reads)", probe.batches.Load())
	}
	if len(out) != 3 || out["a"].EventID == "" || out["a"].EventID == out["b"].EventID {
		t.Errorf("the orders' eventIds: %+v", out)
	}
}

// A page registers only what its fields select: the restaurants' eventIds of a page that
// selects no other eventId ask for the restaurants' positions alone, and a page's own
// eventId for its position alone.
func TestEventID_aPageRegistersWhatItSelects(t *testing.T) {
	e, probe := probeEnv(t, 2, 10)
	for _, tt := range []struct {
		query string
		asked int64
	}{
		{`{ orders(first: 50) { nodes { id restaurant { eventId } } } }`, 2},
		{`{ orders(first: 50) { eventId nodes { id } } }`, 1},
		{`{ orders(first: 50) { edges { node { eventId } } } }`, 10},
		{`{ orders(first: 50) { eventId nodes { eventId restaurant { eventId } } } }`, 12}, // the page's is its last order's
		{`{ restaurants { nodes { id } } orders(first: 50) { eventId } }`, 1},
	} {
		probe.batches.Store(0)
		probe.asked.Store(0)
		e.must(t, tt.query, nil, nil)
		if b, a := probe.batches.Load(), probe.asked.Load(); b != 1 || a != tt.asked {
			t.Errorf("%s: %d reads of %d positions, want one of %d", tt.query, b, a, tt.asked)
		}
	}
}

// A batch read that panics fails the field that made it and releases the fields waiting for
// it, with an error each: the query is answered, not held until the client gives up.
func TestEventID_aPanickedBatchReleasesItsWaiters(t *testing.T) {
	e, probe := probeEnv(t, 1, 5)
	probe.panics.Store(true)
	r := e.do(t, `{ orders(first: 50) { nodes { eventId } } }`, nil)
	if len(r.Errors) != 5 {
		t.Fatalf("errors %+v, want one at each of the 5 eventIds", r.Errors)
	}
	for _, err := range r.Errors {
		if err.Code() != "INTERNAL_SERVER_ERROR" || strings.Contains(err.Message, "driver") {
			t.Errorf("error %+v, want INTERNAL_SERVER_ERROR that tells nothing of the panic", err)
		}
	}
}
