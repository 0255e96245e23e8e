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
