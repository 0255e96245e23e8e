package graph_test

import (
	"testing"
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
