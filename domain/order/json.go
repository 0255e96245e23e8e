package order

import (
	"github.com/eventgraph/eventgraph/domain/internal/jsonw"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// The commands and events write their own JSON, byte for byte what json.Marshal writes for
// them (see the restaurant package's json.go for why). TestAppendJSON_likeMarshal and
// FuzzAppendJSON hold every type to json.Marshal; a field added to a type must be added
// here too.

// AppendJSON appends the command as json.Marshal writes it.
func (c CreateOrder) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, c.ID)
	b = append(b, `,"restaurantId":`...)
	b = jsonw.AppendString(b, c.RestaurantID)
	b = append(b, `,"menuItems":`...)
	b = restaurant.AppendItemsJSON(b, c.MenuItems)
	return append(b, '}')
}

// AppendJSON appends the command as json.Marshal writes it.
func (c MarkOrderAsPrepared) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = jsonw.AppendString(b, c.ID)
	return append(b, '}')
}

// AppendJSON appends the event as json.Marshal writes it.
func (e OrderCreated) AppendJSON(b []byte) []byte {
	b = append(b, `{"orderId":`...)
	b = jsonw.AppendString(b, e.OrderID)
	b = append(b, `,"restaurantId":`...)
	b = jsonw.AppendString(b, e.RestaurantID)
	b = append(b, `,"menuItems":`...)
	b = restaurant.AppendItemsJSON(b, e.MenuItems)
	return append(b, '}')
}

// AppendJSON appends the event as json.Marshal writes it.
func (e OrderPrepared) AppendJSON(b []byte) []byte {
	b = append(b, `{"orderId":`...)
	b = jsonw.AppendString(b, e.OrderID)
	return append(b, '}')
}
