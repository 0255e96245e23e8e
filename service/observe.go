package service

import (
	"context"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
)

// CommandTypes returns the types of the commands the service handles (the saga's
// CreateOrder included), as a CommandObserver is told them (eventsourcing.CommandType).
func CommandTypes() []string {
	return []string{
		eventsourcing.CommandType(restaurant.CreateRestaurant{}),
		eventsourcing.CommandType(restaurant.ChangeRestaurantMenu{}),
		eventsourcing.CommandType(restaurant.PlaceOrder{}),
		eventsourcing.CommandType(order.CreateOrder{}),
		eventsourcing.CommandType(order.MarkOrderAsPrepared{}),
	}
}

// WithCommandObserver sets a function told about every command the service handles, the
// saga's included (type, outcome, duration); see eventsourcing.WithCommandObserver.
func WithCommandObserver(o eventsourcing.CommandObserver) Option {
	return func(c *config) { c.observer = o }
}

// CaughtUp waits until every projection and the saga have processed the log as it was when
// Run started, or until ctx ends; see eventsourcing.Runner.CaughtUp. A server is ready to
// serve read-your-writes queries without waiting once it returns nil.
func (s *Service) CaughtUp(ctx context.Context) error { return s.runner.CaughtUp(ctx) }
