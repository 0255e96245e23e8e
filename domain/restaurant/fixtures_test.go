package restaurant_test

import (
	"strconv"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

func menu() restaurant.Menu {
	return restaurant.Menu{
		MenuID:  "m1",
		Cuisine: restaurant.Italian,
		MenuItems: []restaurant.MenuItem{
			{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"},
			{MenuItemID: "pasta", Name: "Pasta", Price: "7.5"},
			{MenuItemID: "water", Name: "Water", Price: "0"},
		},
	}
}

func otherMenu() restaurant.Menu {
	return restaurant.Menu{
		MenuID:    "m2",
		Cuisine:   restaurant.Serbian,
		MenuItems: []restaurant.MenuItem{{MenuItemID: "cevapi", Name: "Ćevapi", Price: "10"}, {MenuItemID: "water", Name: "Water", Price: "1.00"}},
	}
}

func created() restaurant.RestaurantCreated {
	return restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's", Menu: menu()}
}

func menuChanged() restaurant.RestaurantMenuChanged {
	return restaurant.RestaurantMenuChanged{RestaurantID: "r1", Menu: otherMenu()}
}

func placed(orderID string, items ...restaurant.MenuItem) restaurant.RestaurantOrderPlaced {
	return restaurant.RestaurantOrderPlaced{RestaurantID: "r1", OrderID: orderID, MenuItems: items}
}

func item(m restaurant.Menu, id string) restaurant.MenuItem {
	it, ok := m.Item(id)
	if !ok {
		panic("fixture: no item " + id)
	}
	return it
}

// menuWith returns a valid menu changed by f.
func menuWith(f func(m *restaurant.Menu)) restaurant.Menu {
	m := menu().Clone()
	f(&m)
	return m
}

// items returns n valid menu items with distinct ids.
func items(n int) []restaurant.MenuItem {
	out := make([]restaurant.MenuItem, n)
	for i := range out {
		out[i] = restaurant.MenuItem{MenuItemID: "i" + strconv.Itoa(i), Name: "Dish", Price: "1"}
	}
	return out
}

func ids(n int, id string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = id
	}
	return out
}
