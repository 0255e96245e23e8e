package order_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/decider/spec"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func TestView(t *testing.T) {
	v := order.View()
	items := []restaurant.MenuItem{pizza(), pizza(), water()}
	t.Run("no events: no order", func(t *testing.T) {
		spec.ForView(t, v).Then(order.Summary{})
	})
	t.Run("a created order", func(t *testing.T) {
		spec.ForView(t, v).Given(created()).
			Then(order.Summary{Exists: true, ID: "o1", RestaurantID: "r1", MenuItems: items, Status: order.Created})
	})
	t.Run("a prepared order", func(t *testing.T) {
		spec.ForView(t, v).Given(created(), prepared()).
			Then(order.Summary{Exists: true, ID: "o1", RestaurantID: "r1", MenuItems: items, Status: order.Prepared})
	})
}

func TestView_SharesNoSlices(t *testing.T) {
	e := created()
	s := order.View().Fold(e)
	e.MenuItems[0].Price = "100"
	if s.MenuItems[0].Price != "8.99" {
		t.Errorf("the summary changed with the event: %q", s.MenuItems[0].Price)
	}
}
