package restaurant

import "github.com/eventgraph/eventgraph/domain/internal/jsonw"

// The commands and events write their own JSON, byte for byte what json.Marshal writes for
// them: a command's fingerprint hashes that JSON (see eventsourcing.JSONAppender), the
// events are stored as it, and encoding/json's reflection was a few percent of a
// mutation's processor time. TestAppendJSON_likeMarshal and FuzzAppendJSON hold every
// type to json.Marshal; a field added to a type must be added here too.

// AppendJSON appends the item as json.Marshal writes it.
func (it MenuItem) AppendJSON(b []byte) []byte {
	b = append(b, `{"menuItemId":`...)
	b = jsonw.AppendString(b, it.MenuItemID)
	b = append(b, `,"name":`...)
	b = jsonw.AppendString(b, it.Name)
	b = append(b, `,"price":`...)
	b = jsonw.AppendString(b, it.Price)
	return append(b, '}')
}

// AppendItemsJSON appends items as json.Marshal writes them (null when nil).
func AppendItemsJSON(b []byte, items []MenuItem) []byte {
	return jsonw.AppendSlice(b, items, func(b []byte, it MenuItem) []byte { return it.AppendJSON(b) })
}

// AppendJSON appends the menu as json.Marshal writes it.
func (m Menu) AppendJSON(b []byte) []byte {
	b = append(b, `{"menuId":`...)
	b = jsonw.AppendString(b, m.MenuID)
	b = append(b, `,"cuisine":`...)
	b = jsonw.AppendString(b, string(m.Cuisine))
	b = append(b, `,"menuItems":`...)
	b = AppendItemsJSON(b, m.MenuItems)
	return append(b, '}')
}

// AppendJSON appends the command as json.Marshal writes it.
func (c CreateRestaurant) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, c.ID)
	b = append(b, `,"name":`...)
	b = jsonw.AppendString(b, c.Name)
	b = append(b, `,"menu":`...)
	b = c.Menu.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the command as json.Marshal writes it.
func (c ChangeRestaurantMenu) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, c.ID)
	b = append(b, `,"menu":`...)
	b = c.Menu.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the command as json.Marshal writes it.
func (c PlaceOrder) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, c.ID)
	b = append(b, `,"orderId":`...)
	b = jsonw.AppendString(b, c.OrderID)
	b = append(b, `,"menuItemIds":`...)
	b = jsonw.AppendStrings(b, c.MenuItemIDs)
	return append(b, '}')
}

// AppendJSON appends the event as json.Marshal writes it.
func (e RestaurantCreated) AppendJSON(b []byte) []byte {
	b = append(b, `{"restaurantId":`...)
	b = jsonw.AppendString(b, e.RestaurantID)
	b = append(b, `,"name":`...)
	b = jsonw.AppendString(b, e.Name)
	b = append(b, `,"menu":`...)
	b = e.Menu.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the event as json.Marshal writes it.
func (e RestaurantMenuChanged) AppendJSON(b []byte) []byte {
	b = append(b, `{"restaurantId":`...)
	b = jsonw.AppendString(b, e.RestaurantID)
	b = append(b, `,"menu":`...)
	b = e.Menu.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the event as json.Marshal writes it.
func (e RestaurantOrderPlaced) AppendJSON(b []byte) []byte {
	b = append(b, `{"restaurantId":`...)
	b = jsonw.AppendString(b, e.RestaurantID)
	b = append(b, `,"orderId":`...)
	b = jsonw.AppendString(b, e.OrderID)
	b = append(b, `,"menuItems":`...)
	b = AppendItemsJSON(b, e.MenuItems)
	return append(b, '}')
}
