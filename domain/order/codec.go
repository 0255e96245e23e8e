package order

import (
	"encoding/json"
	"fmt"

	"github.com/eventgraph/eventgraph/domain/internal/jsonr"
)

// Codec maps order events to and from the store's type names and JSON bodies. It
// implements eventsourcing.Codec[Event]. The zero value is ready to use.
type Codec struct{}

// EventTypes returns the order events' type names: those Handles accepts.
func EventTypes() []string {
	return []string{OrderCreated{}.EventType(), OrderPrepared{}.EventType()}
}

// Handles reports whether typ is an order event type.
func (Codec) Handles(typ string) bool {
	switch typ {
	case OrderCreated{}.EventType(), OrderPrepared{}.EventType():
		return true
	}
	return false
}

// Encode returns the event's type name and JSON body. It fails for an event that is not
// one of this package's event values (such as a nil Event or a pointer to an event).
func (Codec) Encode(e Event) (string, json.RawMessage, error) {
	switch e.(type) {
	case OrderCreated, OrderPrepared:
	default:
		return "", nil, fmt.Errorf("order: cannot encode event %T", e)
	}
	return e.EventType(), e.AppendJSON(make([]byte, 0, encodeSize)), nil
}

// encodeSize is the buffer Encode starts with: most events are smaller.
const encodeSize = 256

// Decode parses the JSON body of an event of type typ. It fails for a type that Handles
// rejects and for a body that is not a JSON object of the event's shape (one without the
// event's ids, among others; fields it does not know are ignored, so that an event a later
// version wrote with more fields is read).
func (Codec) Decode(typ string, data json.RawMessage) (Event, error) {
	switch typ {
	case OrderCreated{}.EventType():
		return decode(typ, data, readCreated)
	case OrderPrepared{}.EventType():
		return decode(typ, data, readPrepared)
	default:
		return nil, fmt.Errorf("order: unknown event type %q", typ)
	}
}

// decode reads data with read, which reads the JSON AppendJSON writes, or with
// json.Unmarshal when data is in any other form, which must hold the event's ids.
func decode[T Event](typ string, data json.RawMessage, read func(*jsonr.Reader) T) (Event, error) {
	r := jsonr.New(data)
	if e := read(&r); r.Done() {
		return e, nil
	}
	if !jsonr.IsObject(data) { // json.Unmarshal would take null for an empty event
		return nil, fmt.Errorf("order: decode %s: not a JSON object", typ)
	}
	var e T
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("order: decode %s: %w", typ, err)
	}
	// json.Unmarshal takes any object, {} and misspelt keys too, as an event of zero
	// values: a projection would then list an order of no restaurant. An event without its
	// ids is of no shape this package writes.
	if names := missingIDs(e); names != "" {
		return nil, fmt.Errorf("order: decode %s: no%s", typ, names)
	}
	return e, nil
}

// missingIDs names the ids e lacks, each after a space; "" when it has them all.
func missingIDs(e Event) string {
	switch e := e.(type) {
	case OrderCreated:
		return missing(e.OrderID, "orderId") + missing(e.RestaurantID, "restaurantId")
	case OrderPrepared:
		return missing(e.OrderID, "orderId")
	}
	return ""
}

// missing returns " name" when id is empty, else "".
func missing(id, name string) string {
	if id == "" {
		return " " + name
	}
	return ""
}
