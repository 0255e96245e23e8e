package order_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// BenchmarkDecide_CreateOrder measures the decision the order saga asks for every order
// placed: its allocations are paid by every placeOrder.
func BenchmarkDecide_CreateOrder(b *testing.B) {
	d := order.Decider()
	cmd := order.CreateOrder{ID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{
		{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"},
		{MenuItemID: "water", Name: "Water", Price: "0"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decide(cmd, d.InitialState); err != nil {
			b.Fatal(err)
		}
	}
}
