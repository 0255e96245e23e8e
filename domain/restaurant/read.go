package restaurant

import "github.com/eventgraph/eventgraph/domain/internal/jsonr"

// The events read back their own JSON as AppendJSON writes it, so that replaying a log
// does not pay for encoding/json's reflection; the Codec falls back to json.Unmarshal for
// JSON in any other form (see jsonr). TestRead_likeUnmarshal and FuzzRead hold the readers
// to json.Unmarshal; a field added to a type must be added here too.

func readItem(r *jsonr.Reader) MenuItem {
	var it MenuItem
	r.Lit(`{"menuItemId":`)
	it.MenuItemID = r.String()
	r.Lit(`,"name":`)
	it.Name = r.String()
	r.Lit(`,"price":`)
	it.Price = r.String()
	r.Lit(`}`)
	return it
}

// ReadItemsJSON reads menu items as AppendItemsJSON writes them, for this module's
// decoders of events that carry items.
func ReadItemsJSON(r *jsonr.Reader) []MenuItem { return jsonr.Slice(r, readItem) }

func readMenu(r *jsonr.Reader) Menu {
	var m Menu
	r.Lit(`{"menuId":`)
	m.MenuID = r.String()
	r.Lit(`,"cuisine":`)
	m.Cuisine = Cuisine(r.String())
	r.Lit(`,"menuItems":`)
	m.MenuItems = ReadItemsJSON(r)
	r.Lit(`}`)
	return m
}

func readCreated(r *jsonr.Reader) RestaurantCreated {
	var e RestaurantCreated
	r.Lit(`{"restaurantId":`)
	e.RestaurantID = r.String()
	r.Lit(`,"name":`)
	e.Name = r.String()
	r.Lit(`,"menu":`)
	e.Menu = readMenu(r)
	r.Lit(`}`)
	return e
}

func readMenuChanged(r *jsonr.Reader) RestaurantMenuChanged {
	var e RestaurantMenuChanged
	r.Lit(`{"restaurantId":`)
	e.RestaurantID = r.String()
	r.Lit(`,"menu":`)
	e.Menu = readMenu(r)
	r.Lit(`}`)
	return e
}

func readOrderPlaced(r *jsonr.Reader) RestaurantOrderPlaced {
	var e RestaurantOrderPlaced
	r.Lit(`{"restaurantId":`)
	e.RestaurantID = r.String()
	r.Lit(`,"orderId":`)
	e.OrderID = r.String()
	r.Lit(`,"menuItems":`)
	e.MenuItems = ReadItemsJSON(r)
	r.Lit(`}`)
	return e
}
