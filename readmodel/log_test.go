package readmodel_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

var (
	_ eventsourcing.Projection = (*readmodel.Restaurants)(nil)
	_ eventsourcing.Projection = (*readmodel.Orders)(nil)
)

// eventLog builds store events as a store would: positions from 1, versions per stream.
type eventLog struct {
	tb       testing.TB
	position store.Position
	versions map[string]store.Version
	events   []store.Event
}

func newLog(tb testing.TB) *eventLog {
	return &eventLog{tb: tb, versions: make(map[string]store.Version)}
}

// add encodes a restaurant or order event and appends it to its stream.
func (l *eventLog) add(e any) store.Event {
	l.tb.Helper()
	var (
		stream, typ string
		data        json.RawMessage
		err         error
	)
	switch e := e.(type) {
	case restaurant.Event:
		typ, data, err = restaurant.Codec{}.Encode(e)
		stream = restaurant.StreamID(restaurantID(e))
	case order.Event:
		typ, data, err = order.Codec{}.Encode(e)
		stream = order.StreamID(orderID(e))
	default:
		l.tb.Fatalf("not a domain event: %T", e)
	}
	if err != nil {
		l.tb.Fatal(err)
	}
	return l.raw(stream, typ, data)
}

// raw appends an event of any type and body.
func (l *eventLog) raw(stream, typ string, data json.RawMessage) store.Event {
	l.position++
	l.versions[stream]++
	ev := store.Event{
		ID: "e" + strconv.FormatInt(int64(l.position), 10), StreamID: stream, Version: l.versions[stream], Position: l.position,
		Type: typ, Time: time.Unix(int64(l.position), 0).UTC(), Data: data, Metadata: map[string]string{},
	}
	l.events = append(l.events, ev)
	return ev
}

func restaurantID(e restaurant.Event) string {
	switch e := e.(type) {
	case restaurant.RestaurantCreated:
		return e.RestaurantID
	case restaurant.RestaurantMenuChanged:
		return e.RestaurantID
	case restaurant.RestaurantOrderPlaced:
		return e.RestaurantID
	}
	return ""
}

func orderID(e order.Event) string {
	switch e := e.(type) {
	case order.OrderCreated:
		return e.OrderID
	case order.OrderPrepared:
		return e.OrderID
	}
	return ""
}

// apply applies every event of the log to p, failing the test on an error.
func apply(tb testing.TB, p eventsourcing.Projection, events []store.Event) {
	tb.Helper()
	for _, e := range events {
		if err := p.Apply(e); err != nil {
			tb.Fatalf("Apply(%s at %d): %v", e.Type, e.Position, err)
		}
	}
}

func menu(id string) restaurant.Menu {
	return restaurant.Menu{MenuID: id, Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{
		{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}, {MenuItemID: "water", Name: "Water", Price: "0"},
	}}
}

func pizza() restaurant.MenuItem {
	return restaurant.MenuItem{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}
}
