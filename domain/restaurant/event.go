package restaurant

// Event is a fact about a restaurant. The set is closed: RestaurantCreated,
// RestaurantMenuChanged and RestaurantOrderPlaced.
type Event interface {
	// EventType is the event's type name in the store, e.g. "RestaurantCreated".
	EventType() string
	// AppendJSON appends the event as json.Marshal writes it: the Codec stores it so.
	AppendJSON(b []byte) []byte
	isEvent()
}

// RestaurantCreated records that a restaurant was created.
type RestaurantCreated struct {
	RestaurantID string `json:"restaurantId"`
	Name         string `json:"name"`
	Menu         Menu   `json:"menu"`
}

// RestaurantMenuChanged records that a restaurant's menu was replaced.
type RestaurantMenuChanged struct {
	RestaurantID string `json:"restaurantId"`
	Menu         Menu   `json:"menu"`
}

// RestaurantOrderPlaced records that an order was placed at a restaurant; MenuItems are
// copied from the menu at placing time, one entry per ordered item.
type RestaurantOrderPlaced struct {
	RestaurantID string     `json:"restaurantId"`
	OrderID      string     `json:"orderId"`
	MenuItems    []MenuItem `json:"menuItems"`
}

// EventType returns "RestaurantCreated".
func (RestaurantCreated) EventType() string { return "RestaurantCreated" }

// EventType returns "RestaurantMenuChanged".
func (RestaurantMenuChanged) EventType() string { return "RestaurantMenuChanged" }

// EventType returns "RestaurantOrderPlaced".
func (RestaurantOrderPlaced) EventType() string { return "RestaurantOrderPlaced" }

func (RestaurantCreated) isEvent()     {}
func (RestaurantMenuChanged) isEvent() {}
func (RestaurantOrderPlaced) isEvent() {}
