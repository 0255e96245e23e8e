package eventsourcing_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// restaurantApp wires the restaurant domain over a store, as the service does.
type restaurantApp struct {
	store       store.Store
	restaurants *eventsourcing.Handler[restaurant.Command, restaurant.State, restaurant.Event]
	orders      *eventsourcing.Handler[order.Command, order.State, order.Event]
	runner      *eventsourcing.Runner
	views       *readmodel.Restaurants
	orderViews  *readmodel.Orders
}

func newRestaurantApp(tb testing.TB, s store.Store, log *slog.Logger) *restaurantApp {
	tb.Helper()
	idx := eventsourcing.NewCommandIndex(s)
	a := &restaurantApp{
		store: s,
		restaurants: eventsourcing.NewHandler(s, eventsourcing.Aggregate[restaurant.Command, restaurant.State, restaurant.Event]{
			Decider: restaurant.Decider(), Codec: restaurant.Codec{}, Stream: restaurant.Command.Stream,
		}, eventsourcing.WithCommandIndex(idx)),
		orders: eventsourcing.NewHandler(s, eventsourcing.Aggregate[order.Command, order.State, order.Event]{
			Decider: order.Decider(), Codec: order.Codec{}, Stream: order.Command.Stream,
		}, eventsourcing.WithCommandIndex(idx)),
		runner:     eventsourcing.NewRunner(s, eventsourcing.WithRunnerLogger(log)),
		views:      readmodel.NewRestaurants(),
		orderViews: readmodel.NewOrders(),
	}
	a.runner.AddProjection(a.views)
	a.runner.AddProjection(a.orderViews)
	a.runner.AddSaga(eventsourcing.NewSaga("order", order.Saga(), restaurant.Codec{}, a.orders.Handle, fastBackoff))
	return a
}

func pizzeria(id string) restaurant.CreateRestaurant {
	return restaurant.CreateRestaurant{ID: id, Name: "Pizzeria " + id, Menu: restaurant.Menu{
		MenuID: "m-" + id, Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{
			{MenuItemID: "margherita", Name: "Margherita", Price: "8.99"},
			{MenuItemID: "tiramisu", Name: "Tiramisu", Price: "5"},
		},
	}}
}

func TestFlow_restaurantsAndOrders(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	log, logs := quietLogger()
	a := newRestaurantApp(t, s, log)
	startRunner(t, a.runner)

	// Create a restaurant and place an order: the saga creates the order.
	mustOK(t)(a.restaurants.Handle(ctx, pizzeria("r1"), eventsourcing.Meta{CommandID: "create-r1"}))
	placed := mustOK(t)(a.restaurants.Handle(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "o1", MenuItemIDs: []string{"margherita", "margherita", "tiramisu"}},
		eventsourcing.Meta{CommandID: "place-o1", CorrelationID: "flow-1"}))
	if placed.StreamID != "restaurant-r1" || placed.Version != 2 {
		t.Fatalf("placeOrder result %+v, want restaurant-r1 at version 2", placed)
	}
	waitFor(t, a.runner, placed.Position)
	o, ok := a.orderViews.Get("o1")
	if !ok || o.RestaurantID != "r1" || o.Status != order.Created || len(o.MenuItems) != 3 || o.Version != 1 {
		t.Fatalf("after WaitFor order o1 = %+v (%v), want r1's created order of 3 items at version 1", o, ok)
	}
	if r, ok := a.views.Get("r1"); !ok || r.Version != 2 || r.Name != "Pizzeria r1" {
		t.Fatalf("restaurant r1 = %+v (%v), want version 2", r, ok)
	}
	created := readStream(t, s, "order-o1")[0]
	if m := created.Metadata; m["causationId"] != placed.Events[0].ID || m["correlationId"] != "flow-1" {
		t.Fatalf("OrderCreated metadata %v: want causation %s and correlation flow-1", m, placed.Events[0].ID)
	}

	// A menu change does not alter the order; marking it prepared does.
	mustOK(t)(a.restaurants.Handle(ctx, restaurant.ChangeRestaurantMenu{ID: "r1", Menu: restaurant.Menu{
		MenuID: "m2", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{{MenuItemID: "calzone", Name: "Calzone", Price: "9.50"}},
	}}, eventsourcing.Meta{}))
	prepared := mustOK(t)(a.orders.Handle(ctx, order.MarkOrderAsPrepared{ID: "o1"}, eventsourcing.Meta{ExpectedVersion: version(1)}))
	waitFor(t, a.runner, prepared.Position)
	if o, _ := a.orderViews.Get("o1"); o.Status != order.Prepared || o.Version != 2 || len(o.MenuItems) != 3 || o.MenuItems[0].Name != "Margherita" {
		t.Fatalf("order o1 = %+v, want prepared at version 2 with its 3 items as placed", o)
	}
	if _, err := a.orders.Handle(ctx, order.MarkOrderAsPrepared{ID: "o1"}, eventsourcing.Meta{}); !errors.Is(err, order.ErrAlreadyPrepared) {
		t.Fatalf("preparing twice: got %v, want ErrAlreadyPrepared", err)
	}

	// A repeated placement is a duplicate and places nothing.
	again := mustOK(t)(a.restaurants.Handle(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "o1", MenuItemIDs: []string{"margherita", "margherita", "tiramisu"}},
		eventsourcing.Meta{CommandID: "place-o1", CorrelationID: "flow-1"}))
	if !again.Duplicate || again.Position != placed.Position {
		t.Fatalf("repeated placeOrder %+v, want the first result as a duplicate", again)
	}

	// A client-chosen order id already used at another restaurant: the placement is recorded,
	// the saga's CreateOrder is rejected, and the failure shows in the status and the logs.
	mustOK(t)(a.restaurants.Handle(ctx, pizzeria("r2"), eventsourcing.Meta{}))
	clash := mustOK(t)(a.restaurants.Handle(ctx, restaurant.PlaceOrder{ID: "r2", OrderID: "o1", MenuItemIDs: []string{"tiramisu"}}, eventsourcing.Meta{}))
	waitFor(t, a.runner, clash.Position)
	if got := readStream(t, s, "restaurant-r2"); len(got) != 2 || got[1].Type != "RestaurantOrderPlaced" {
		t.Fatalf("restaurant-r2 has %d events, want the placement recorded", len(got))
	}
	if o, _ := a.orderViews.Get("o1"); o.RestaurantID != "r1" {
		t.Fatalf("order o1 now belongs to %q, want r1", o.RestaurantID)
	}
	st := statusOf(t, a.runner, "order")
	if st.Failures != 1 || !strings.Contains(st.LastError, "already exists") || st.Position != clash.Position {
		t.Fatalf("saga status %+v, want one already-exists failure and position %d", st, clash.Position)
	}
	if !strings.Contains(logs.String(), "saga command failed") {
		t.Fatalf("logs %q do not report the saga failure", logs.String())
	}
	page, err := a.orderViews.List(readmodel.OrderFilter{RestaurantID: "r1"}, "", 10)
	if err != nil || page.TotalCount != 1 || page.Nodes[0].ID != "o1" {
		t.Fatalf("orders of r1 = %+v, %v; want o1 only", page, err)
	}
}

func TestFlow_restart(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	log, _ := quietLogger()
	first := newRestaurantApp(t, s, log)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- first.runner.Run(runCtx) }()
	mustOK(t)(first.restaurants.Handle(ctx, pizzeria("r1"), eventsourcing.Meta{}))
	var last store.Position
	for _, id := range []string{"o1", "o2", "o3"} {
		last = mustOK(t)(first.restaurants.Handle(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: id, MenuItemIDs: []string{"tiramisu"}}, eventsourcing.Meta{})).Position
	}
	waitFor(t, first.runner, last)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	before := len(readAll(t, s))

	second := newRestaurantApp(t, s, log)
	startRunner(t, second.runner)
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := second.runner.CaughtUp(cctx); err != nil {
		t.Fatal(err)
	}
	if after := len(readAll(t, s)); after != before || before != 7 {
		t.Fatalf("log has %d events after the restart, %d before; want 7", after, before)
	}
	page, err := second.orderViews.List(readmodel.OrderFilter{RestaurantID: "r1"}, "", 10)
	if err != nil || page.TotalCount != 3 {
		t.Fatalf("orders after restart: %+v, %v; want 3", page, err)
	}
	if st := statusOf(t, second.runner, "order"); st.Failures != 0 {
		t.Fatalf("saga status after restart %+v, want no failure", st)
	}
	// Validation comes first, and writes nothing.
	_, err = second.restaurants.Handle(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: "bad id!", MenuItemIDs: []string{"tiramisu"}}, eventsourcing.Meta{ExpectedVersion: version(99)})
	if !errors.Is(err, decider.ErrInvalid) {
		t.Fatalf("got %v, want a validation error before the version conflict", err)
	}
}

func TestFlow_concurrentPlacements(t *testing.T) {
	const n = 64
	ctx := context.Background()
	s := newStore(t)
	log, _ := quietLogger()
	a := newRestaurantApp(t, s, log)
	startRunner(t, a.runner)
	mustOK(t)(a.restaurants.Handle(ctx, pizzeria("r1"), eventsourcing.Meta{}))
	positions := make(chan store.Position, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := a.restaurants.Handle(ctx, restaurant.PlaceOrder{ID: "r1", OrderID: fmt.Sprintf("o%d", i), MenuItemIDs: []string{"tiramisu"}}, eventsourcing.Meta{})
			if err != nil {
				t.Errorf("placeOrder %d: %v", i, err)
			}
			positions <- res.Position
		})
	}
	wg.Wait()
	close(positions)
	var last store.Position
	for p := range positions {
		last = max(last, p)
	}
	waitFor(t, a.runner, last)
	page, err := a.orderViews.List(readmodel.OrderFilter{RestaurantID: "r1"}, "", 100)
	if err != nil || page.TotalCount != n {
		t.Fatalf("orders of r1: %d, %v; want %d", page.TotalCount, err, n)
	}
	if r, _ := a.views.Get("r1"); r.Version != n+1 {
		t.Fatalf("restaurant version %d, want %d", r.Version, n+1)
	}
}

// mustOK returns a function that fails the test when a command failed.
func mustOK(tb testing.TB) func(eventsourcing.Result, error) eventsourcing.Result {
	tb.Helper()
	return func(res eventsourcing.Result, err error) eventsourcing.Result {
		tb.Helper()
		if err != nil {
			tb.Fatalf("command failed: %v", err)
		}
		return res
	}
}
