package restaurant

// Command is a request to change a restaurant. The set is closed: CreateRestaurant,
// ChangeRestaurantMenu and PlaceOrder.
type Command interface {
	// Stream names the restaurant's stream, StreamID(id).
	Stream() string
	// AppendJSON appends the command as json.Marshal writes it, for its fingerprint (see
	// eventsourcing.JSONAppender).
	AppendJSON(b []byte) []byte
	isCommand()
}

// StreamID names the stream of the restaurant with the given id: "restaurant-" + id.
func StreamID(id string) string { return "restaurant-" + id }

// CreateRestaurant creates a restaurant with a name and a menu.
type CreateRestaurant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Menu Menu   `json:"menu"`
}

// ChangeRestaurantMenu replaces an existing restaurant's menu.
type ChangeRestaurantMenu struct {
	ID   string `json:"id"`
	Menu Menu   `json:"menu"`
}

// PlaceOrder places an order at restaurant ID for items of its current menu; an item may
// be listed more than once.
type PlaceOrder struct {
	ID          string   `json:"id"` // the restaurant
	OrderID     string   `json:"orderId"`
	MenuItemIDs []string `json:"menuItemIds"`
}

// Stream returns StreamID(c.ID).
func (c CreateRestaurant) Stream() string { return StreamID(c.ID) }

// Stream returns StreamID(c.ID).
func (c ChangeRestaurantMenu) Stream() string { return StreamID(c.ID) }

// Stream returns StreamID(c.ID).
func (c PlaceOrder) Stream() string { return StreamID(c.ID) }

func (CreateRestaurant) isCommand()     {}
func (ChangeRestaurantMenu) isCommand() {}
func (PlaceOrder) isCommand()           {}
