package order

import (
	"github.com/eventgraph/eventgraph/domain/internal/jsonr"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// The events read back their own JSON as AppendJSON writes it (see the restaurant
// package's read.go for why). TestRead_likeUnmarshal and FuzzRead hold the readers to
// json.Unmarshal; a field added to a type must be added here too.

func readCreated(r *jsonr.Reader) OrderCreated {
	var e OrderCreated
	r.Lit(`{"orderId":`)
	e.OrderID = r.String()
	r.Lit(`,"restaurantId":`)
	e.RestaurantID = r.String()
	r.Lit(`,"menuItems":`)
	e.MenuItems = restaurant.ReadItemsJSON(r)
	r.Lit(`}`)
	return e
}

func readPrepared(r *jsonr.Reader) OrderPrepared {
	var e OrderPrepared
	r.Lit(`{"orderId":`)
	e.OrderID = r.String()
	r.Lit(`}`)
	return e
}
