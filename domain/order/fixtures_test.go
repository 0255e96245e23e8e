package order_test

import (
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func pizza() restaurant.MenuItem {
	return restaurant.MenuItem{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}
}
func water() restaurant.MenuItem {
	return restaurant.MenuItem{MenuItemID: "water", Name: "Water", Price: "0"}
}

func created() order.OrderCreated {
	return order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza(), pizza(), water()}}
}

func prepared() order.OrderPrepared { return order.OrderPrepared{OrderID: "o1"} }

func createOrder() order.CreateOrder {
	return order.CreateOrder{ID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza(), pizza(), water()}}
}
