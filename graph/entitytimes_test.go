package graph_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// A restaurant and an order say when they were created and last changed: the times of the
// first and the latest event of their streams that their state reflects, so that a
// dashboard shows how long an order has waited without reading its events.
func TestEntities_createdAtAndUpdatedAtAreTheirEventsTimes(t *testing.T) {
	e := newEnv(t)
	e.must(t, `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
		map[string]any{"in": restaurantInput("r1", "m1")}, nil)
	// Selecting the order waits until the saga has created it.
	e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { order { id } } }`,
		map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m1"}}}, nil)
	var prepared struct{ MarkOrderAsPrepared struct{ Position int64 } }
	e.must(t, `mutation { markOrderAsPrepared(input: {id: "o1"}) { position } }`, nil, &prepared)

	type entity struct{ ID, CreatedAt, UpdatedAt string }
	var got struct {
		Restaurant, Order entity
		R, O              []struct{ Time string }
	}
	e.must(t, `query($p: Int64) {
		restaurant(id: "r1", minPosition: $p) { id createdAt updatedAt }
		order(id: "o1", minPosition: $p) { id createdAt updatedAt }
		r: events(streamId: "restaurant-r1") { time }
		o: events(streamId: "order-o1") { time }
	}`, map[string]any{"p": prepared.MarkOrderAsPrepared.Position}, &got) // a query's fields resolve at once: each waits
	for _, c := range []struct {
		entity entity
		events []struct{ Time string }
		n      int
	}{{got.Restaurant, got.R, 2}, {got.Order, got.O, 2}} {
		if len(c.events) != c.n {
			t.Fatalf("%s: %d events, want %d", c.entity.ID, len(c.events), c.n)
		}
		first, last := c.events[0].Time, c.events[len(c.events)-1].Time
		if c.entity.CreatedAt != first || c.entity.UpdatedAt != last {
			t.Errorf("%s: createdAt %q, updatedAt %q; want its first event's time %q and its latest's %q",
				c.entity.ID, c.entity.CreatedAt, c.entity.UpdatedAt, first, last)
		}
	}
}

// A subscription's restaurant and order say when they were created and last changed too, as
// the queries do: a dashboard that follows orderChanged shows how long each order has waited.
func TestSubscriptions_createdAtAndUpdatedAtAreTheirEventsTimes(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec}))
	e.must(t, `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`,
		map[string]any{"in": restaurantInput("r1", "m1")}, nil)
	e.must(t, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { order { id } } }`,
		map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"m1"}}}, nil)
	times := func(t *testing.T, stream string) (first, last string) {
		t.Helper()
		var got struct{ Events []struct{ Time string } }
		e.must(t, `query($s: ID) { events(streamId: $s) { time } }`, map[string]any{"s": stream}, &got)
		if len(got.Events) == 0 {
			t.Fatalf("no events in %s", stream)
		}
		return got.Events[0].Time, got.Events[len(got.Events)-1].Time
	}
	type entity struct{ ID, CreatedAt, UpdatedAt string }
	check := func(t *testing.T, what string, got entity, stream string) {
		t.Helper()
		if first, last := times(t, stream); got.CreatedAt != first || got.UpdatedAt != last {
			t.Errorf("%s: createdAt %q, updatedAt %q; want its first event's time %q and its latest's %q",
				what, got.CreatedAt, got.UpdatedAt, first, last)
		}
	}

	restaurant := e.subscribe(t, string(graphtest.TransportWS), `subscription { restaurantChanged(id: "r1") { id createdAt updatedAt } }`, nil)
	var r struct{ RestaurantChanged entity }
	next(t, restaurant, &r)
	check(t, "restaurantChanged's current state", r.RestaurantChanged, "restaurant-r1")
	one := e.subscribe(t, string(graphtest.TransportWS), `subscription { orderChanged(id: "o1") { id createdAt updatedAt } }`, nil)
	var o struct{ OrderChanged entity }
	next(t, one, &o)
	check(t, "orderChanged(id)'s current state", o.OrderChanged, "order-o1")
	recv(t, rec.started)
	recv(t, rec.started)
	orders := e.subscribe(t, string(graphtest.TransportWS), `subscription { orderChanged(restaurantId: "r1") { id createdAt updatedAt } }`, nil)
	recv(t, rec.started) // from here on it sees every change

	e.must(t, `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"id": "r1", "menu": menu("m2")}}, nil)
	e.must(t, `mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`, nil, nil)
	next(t, restaurant, &r)
	check(t, "restaurantChanged's change", r.RestaurantChanged, "restaurant-r1")
	next(t, one, &o)
	check(t, "orderChanged(id)'s change", o.OrderChanged, "order-o1")
	next(t, orders, &o)
	check(t, "orderChanged(restaurantId)'s change", o.OrderChanged, "order-o1")

	// Resumed from the start, the history comes from the orders read model's list of the
	// restaurant's order events, each order folded from its stream up to the event.
	replay := e.subscribe(t, string(graphtest.TransportWS), `subscription { orderChanged(restaurantId: "r1", afterPosition: 0) { id createdAt updatedAt } }`, nil)
	var created, prepared struct{ OrderChanged entity }
	next(t, replay, &created)
	next(t, replay, &prepared)
	check(t, "orderChanged(restaurantId, afterPosition)'s replayed last change", prepared.OrderChanged, "order-o1")
	if first, _ := times(t, "order-o1"); created.OrderChanged.CreatedAt != first || created.OrderChanged.UpdatedAt != first {
		t.Errorf("orderChanged(restaurantId, afterPosition)'s replayed creation: createdAt %q, updatedAt %q; want both %q",
			created.OrderChanged.CreatedAt, created.OrderChanged.UpdatedAt, first)
	}
}
