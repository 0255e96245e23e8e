package order

import (
	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// Summary is an order as readers see it: what the order view folds its events into.
type Summary struct {
	Exists       bool                  `json:"exists"`
	ID           string                `json:"id"`
	RestaurantID string                `json:"restaurantId"`
	MenuItems    []restaurant.MenuItem `json:"menuItems"`
	Status       Status                `json:"status"`
}

// View returns the order view: it folds an order's events into a Summary. Evolve never
// changes the Summary it is given; the returned one shares no slices with the events.
func View() decider.View[Summary, Event] {
	return decider.View[Summary, Event]{
		Evolve: func(s Summary, e Event) Summary {
			switch e := e.(type) {
			case OrderCreated:
				s = Summary{Exists: true, ID: e.OrderID, RestaurantID: e.RestaurantID, MenuItems: restaurant.CloneItems(e.MenuItems), Status: Created}
			case OrderPrepared:
				s.Status = Prepared
			}
			return s
		},
	}
}
