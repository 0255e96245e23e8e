package order

import "github.com/eventgraph/eventgraph/domain/restaurant"

// Event is a fact about an order. The set is closed: OrderCreated and OrderPrepared.
type Event interface {
	// EventType is the event's type name in the store, e.g. "OrderCreated".
	EventType() string
	// AppendJSON appends the event as json.Marshal writes it: the Codec stores it so.
	AppendJSON(b []byte) []byte
	isEvent()
}

// OrderCreated records that an order was created with the items placed at a restaurant.
type OrderCreated struct {
	OrderID      string                `json:"orderId"`
	RestaurantID string                `json:"restaurantId"`
	MenuItems    []restaurant.MenuItem `json:"menuItems"`
}

// OrderPrepared records that an order was prepared.
type OrderPrepared struct {
	OrderID string `json:"orderId"`
}

// EventType returns "OrderCreated".
func (OrderCreated) EventType() string { return "OrderCreated" }

// EventType returns "OrderPrepared".
func (OrderPrepared) EventType() string { return "OrderPrepared" }

func (OrderCreated) isEvent()  {}
func (OrderPrepared) isEvent() {}
