package model

import "github.com/eventgraph/eventgraph/store"

// CommandResult is a command's outcome. It keeps the events the command wrote as the store
// returned them: they are converted to Event only when a client selects `events`, so a
// mutation asking for `position` alone pays nothing for them.
type CommandResult struct {
	// the entity the command addressed (for placeOrder: the new order's id)
	ID string `json:"id"`
	// the stream written
	StreamID string `json:"streamId"`
	// that stream's version after the command
	Version int `json:"version"`
	// global position of the last event written: pass it as minPosition
	Position int64 `json:"position"`
	// true when the commandId was seen before: the first result, nothing written
	Duplicate bool `json:"duplicate"`
	// Written holds the events the command wrote (the first use's, when Duplicate).
	Written []store.Event `json:"-"`
	// RestaurantID is the restaurant the command wrote to, OrderID the order it wrote or
	// placed; each empty when the command has none (they resolve restaurant and order).
	RestaurantID string `json:"-"`
	OrderID      string `json:"-"`
}
