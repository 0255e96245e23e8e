package restaurant_test

import (
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// BenchmarkPlaceOrder folds a restaurant with many placed orders and decides one more, as
// the command handler does for each command.
func BenchmarkPlaceOrder(b *testing.B) {
	const orders = 10000
	events := []restaurant.Event{created()}
	for i := range orders {
		events = append(events, placed("o"+strconv.Itoa(i), item(menu(), "pizza")))
	}
	d := restaurant.Decider()
	cmd := restaurant.PlaceOrder{ID: "r1", OrderID: "new", MenuItemIDs: []string{"pizza", "water"}}
	folded := 0
	for b.Loop() {
		if _, err := d.Compute(events, cmd); err != nil {
			b.Fatal(err)
		}
		folded += len(events)
	}
	b.ReportMetric(float64(folded)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecide measures deciding one command over a folded state, as the command
// handler does with its cached state: its allocations are paid by every request.
func BenchmarkDecide(b *testing.B) {
	d := restaurant.Decider()
	state := d.Evolve(d.InitialState, created())
	cases := []struct {
		name string
		cmd  restaurant.Command
		s    restaurant.State
	}{
		{"CreateRestaurant", restaurant.CreateRestaurant{ID: "r1", Name: "Luigi's", Menu: menu()}, d.InitialState},
		{"PlaceOrder", restaurant.PlaceOrder{ID: "r1", OrderID: "o1", MenuItemIDs: []string{"pizza", "water"}}, state},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decide(c.cmd, c.s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
