package order

import "github.com/eventgraph/eventgraph/domain/restaurant"

// Status is an order's progress.
type Status string

// The statuses an order goes through.
const (
	Created  Status = "CREATED"
	Prepared Status = "PREPARED"
)

// Command is a request to change an order. The set is closed: CreateOrder and
// MarkOrderAsPrepared.
type Command interface {
	// Stream names the order's stream, StreamID(id).
	Stream() string
	// AppendJSON appends the command as json.Marshal writes it, for its fingerprint (see
	// eventsourcing.JSONAppender).
	AppendJSON(b []byte) []byte
	isCommand()
}

// StreamID names the stream of the order with the given id: "order-" + id.
func StreamID(id string) string { return "order-" + id }

// CreateOrder creates an order for items placed at a restaurant. The order saga issues it.
type CreateOrder struct {
	ID           string                `json:"id"`
	RestaurantID string                `json:"restaurantId"`
	MenuItems    []restaurant.MenuItem `json:"menuItems"`
}

// MarkOrderAsPrepared records that the kitchen prepared an order.
type MarkOrderAsPrepared struct {
	ID string `json:"id"`
}

// Stream returns StreamID(c.ID).
func (c CreateOrder) Stream() string { return StreamID(c.ID) }

// Stream returns StreamID(c.ID).
func (c MarkOrderAsPrepared) Stream() string { return StreamID(c.ID) }

func (CreateOrder) isCommand()         {}
func (MarkOrderAsPrepared) isCommand() {}
