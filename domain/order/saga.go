package order

import (
	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// Saga returns the order saga: every RestaurantOrderPlaced becomes a CreateOrder for the
// same order id and restaurant with the items as placed (copied from the menu at placing
// time, so later menu changes don't alter the order). Other events cause nothing.
func Saga() decider.Saga[restaurant.Event, Command] {
	return decider.Saga[restaurant.Event, Command]{
		React: func(e restaurant.Event) []Command {
			placed, ok := e.(restaurant.RestaurantOrderPlaced)
			if !ok {
				return nil
			}
			return []Command{CreateOrder{
				ID:           placed.OrderID,
				RestaurantID: placed.RestaurantID,
				MenuItems:    restaurant.CloneItems(placed.MenuItems),
			}}
		},
	}
}
