package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// eventType is the type of every benchmark event.
const eventType = "RestaurantOrderPlaced"

// eventData is the body of every benchmark event: a placed order with two menu items, the
// size of a typical event of the restaurant domain.
var eventData = json.RawMessage(`{"restaurantId":"r-1042","orderId":"o-77310","menuItems":[{"menuItemId":"m1","name":"Pizza Margherita","price":"9.50"},{"menuItemId":"m2","name":"Tiramisu","price":"5.00"}]}`)

// streamName is the stream writer id appends to.
func streamName(id int) string { return fmt.Sprintf("order-writer-%d", id) }

// logLine returns a line shaped like an eventgraph JSONL line (position, stream, version,
// id, type, time, data, metadata, batch, crc), for the raw file baselines.
func logLine() []byte {
	line := fmt.Sprintf(`{"position":%d,"stream":%q,"version":%d,"id":%q,"type":%q,"time":%q,"data":%s,"metadata":{},"batch":1,"crc":"5c2e9a71"}`+"\n",
		123456, streamName(12), 4321, uuid.NewString(), eventType,
		time.Date(2026, 11, 23, 12, 0, 0, 123456789, time.UTC).Format(time.RFC3339Nano), eventData)
	return []byte(line)
}
