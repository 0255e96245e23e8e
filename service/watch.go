package service

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// WatchRestaurant yields the restaurant's state: first its current state when it exists
// (reflecting every event committed before the call: the head is read before it returns),
// then its state after each later event. It ends when ctx ends.
func (s *Service) WatchRestaurant(ctx context.Context, id string) (iter.Seq2[readmodel.Restaurant, error], error) {
	// From the read model's copy: a restaurant's stream grows with every order placed there,
	// and each subscriber would otherwise read and decode all of it. The read model does not
	// count orders, which the Summary does: that count is not used here. The copy is read
	// before the head, so it reflects no event after it.
	start := eventsourcing.Snapshot[restaurant.Summary]{State: restaurant.View().InitialState}
	if r, ok := s.Restaurants().Get(id); ok {
		start.State = restaurant.Summary{Exists: true, ID: r.ID, Name: r.Name, Menu: r.Menu}
		start.Version, start.Position, start.Created, start.Updated = r.Version, r.Position, r.CreatedAt, r.UpdatedAt
	}
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	snaps := eventsourcing.WatchAt(ctx, s.store, restaurant.StreamID(id), start, head, restaurant.View(), eventsourcing.Codec[restaurant.Event](restaurant.Codec{}))
	return func(yield func(readmodel.Restaurant, error) bool) {
		for snap, err := range snaps {
			if err != nil {
				yield(readmodel.Restaurant{}, err)
				return
			}
			r := readmodel.Restaurant{ID: snap.State.ID, Name: snap.State.Name, Menu: snap.State.Menu, Version: snap.Version, Position: snap.Position,
				CreatedAt: snap.Created, UpdatedAt: snap.Updated}
			if !yield(r, nil) {
				return
			}
		}
	}, nil
}

// WatchOrder yields the order's state: first its current state when it exists (reflecting
// every event committed before the call: the head is read before it returns), then its
// state after each later event. It ends when ctx ends.
func (s *Service) WatchOrder(ctx context.Context, id string) (iter.Seq2[readmodel.Order, error], error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	start := eventsourcing.Snapshot[order.Summary]{State: order.View().InitialState}
	snaps := eventsourcing.WatchAt(ctx, s.store, order.StreamID(id), start, head, order.View(), eventsourcing.Codec[order.Event](order.Codec{}))
	return func(yield func(readmodel.Order, error) bool) {
		for snap, err := range snaps {
			if err != nil {
				yield(readmodel.Order{}, err)
				return
			}
			if !yield(orderOf(snap.State, snap.Version, snap.Position, snap.Created, snap.Updated), nil) {
				return
			}
		}
	}, nil
}

// WatchRestaurantOrders yields the state of an order of the restaurant after each event of
// that order committed after the call (the head is read before it returns). It ends when ctx
// ends. An order's restaurant is known from its OrderCreated event; for a later event of an
// order created earlier, the order's stream is read up to that event.
func (s *Service) WatchRestaurantOrders(ctx context.Context, restaurantID string) (iter.Seq2[readmodel.Order, error], error) {
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	return func(yield func(readmodel.Order, error) bool) {
		for c, err := range s.WatchRestaurantOrdersAfter(ctx, restaurantID, head) {
			if !yield(c.Order, err) || err != nil {
				return
			}
		}
	}, nil
}

// OrderChange is an order's state right after one of its events, at Position in the log,
// whose id is EventID.
type OrderChange struct {
	readmodel.Order
	Position store.Position
	EventID  string
}

// WatchRestaurantOrdersAfter is WatchRestaurantOrders from the events after the position
// after, rather than after the head: a client that has seen the changes up to after resumes
// without a gap. Each change carries the position of its event.
//
// The history after after is read by type where the store can (store.TypeReader), so a
// client resuming far behind the head (an SSE client's Last-Event-ID: 0) reads the order
// events alone, not the whole log; and an event of an order the read model holds under
// another restaurant is skipped without being decoded.
//
// The history up to the position the orders read model has processed is found in the read
// model's list of the restaurant's order events (readmodel.Orders.RestaurantEvents): each
// change costs a read of its order's stream, and a restaurant with a few orders in a log of
// millions is caught up without reading the others' order events (3.4 s of a server's time
// for 12 changes among 1.65 million order events).
func (s *Service) WatchRestaurantOrdersAfter(ctx context.Context, restaurantID string, after store.Position) iter.Seq2[OrderChange, error] {
	return func(yield func(OrderChange, error) bool) {
		if upTo := s.projected(s.orderRM.Name()); upTo > after {
			for {
				page := s.Orders().RestaurantEvents(restaurantID, after, upTo, historyPage)
				for _, ev := range page {
					c, ok, err := s.orderChangeAt(ctx, ev)
					if err != nil {
						yield(OrderChange{}, err)
						return
					}
					if ok && c.RestaurantID == restaurantID && !yield(c, nil) {
						return
					}
				}
				if len(page) < historyPage {
					break
				}
				after = page[len(page)-1].Position
			}
			after = upTo
		}
		events, err := s.SubscribeEvents(ctx, &after, EventFilter{Types: order.EventTypes()})
		if err != nil {
			yield(OrderChange{}, err)
			return
		}
		for e, err := range events {
			if err != nil {
				yield(OrderChange{}, err)
				return
			}
			if !strings.HasPrefix(e.StreamID, order.StreamID("")) {
				continue
			}
			// An order's restaurant never changes: when the read model has the order, an
			// order of another restaurant is skipped without reading its events.
			if known, ok := s.Orders().RestaurantOf(strings.TrimPrefix(e.StreamID, order.StreamID(""))); ok && known != restaurantID {
				continue
			}
			o, err := s.orderAt(ctx, e)
			if err != nil {
				yield(OrderChange{}, err)
				return
			}
			if o.RestaurantID == restaurantID && !yield(OrderChange{Order: o, Position: e.Position, EventID: e.ID}, nil) {
				return
			}
		}
	}
}

// historyPage is how many of a restaurant's order events WatchRestaurantOrdersAfter takes
// from the read model at a time.
const historyPage = 256

// projected returns the position the named projection has processed (0 when there is none
// of that name): every event up to it is in its read model.
func (s *Service) projected(name string) store.Position {
	for _, p := range s.runner.Status() {
		if p.Name == name && p.Kind == eventsourcing.KindProjection {
			return p.Position
		}
	}
	return 0
}

// orderChangeAt returns the state of ev's order right after ev, read from the order's
// stream; false when the stream holds no order event at that position (the read model's
// event and the log disagree: the log was replaced under the server).
func (s *Service) orderChangeAt(ctx context.Context, ev readmodel.OrderEvent) (OrderChange, bool, error) {
	codec, view := order.Codec{}, order.View()
	st, created := view.InitialState, time.Time{}
	for e, err := range s.store.ReadStream(ctx, order.StreamID(ev.OrderID), 0) {
		if err != nil {
			return OrderChange{}, false, err
		}
		if e.Position > ev.Position {
			break
		}
		if !codec.Handles(e.Type) {
			continue
		}
		d, err := codec.Decode(e.Type, e.Data)
		if err != nil {
			return OrderChange{}, false, fmt.Errorf("service: decode %s at %d: %w", e.Type, e.Position, err)
		}
		st = view.Evolve(st, d)
		if e.Version == 1 {
			created = e.Time
		}
		if e.Position == ev.Position {
			return OrderChange{Order: orderOf(st, e.Version, e.Position, created, e.Time), Position: e.Position, EventID: e.ID}, true, nil
		}
	}
	return OrderChange{}, false, nil
}

// orderAt returns the state of e's order right after e.
func (s *Service) orderAt(ctx context.Context, e store.Event) (readmodel.Order, error) {
	codec, view := order.Codec{}, order.View()
	if e.Version == 1 { // the creation: no need to read the stream
		ev, err := codec.Decode(e.Type, e.Data)
		if err != nil {
			return readmodel.Order{}, fmt.Errorf("service: decode %s at %d: %w", e.Type, e.Position, err)
		}
		return orderOf(view.Fold(ev), e.Version, e.Position, e.Time, e.Time), nil
	}
	st, created := view.InitialState, time.Time{}
	for ev, err := range s.store.ReadStream(ctx, e.StreamID, 0) {
		if err != nil {
			return readmodel.Order{}, err
		}
		if ev.Version > e.Version {
			break
		}
		d, err := codec.Decode(ev.Type, ev.Data)
		if err != nil {
			return readmodel.Order{}, fmt.Errorf("service: decode %s at %d: %w", ev.Type, ev.Position, err)
		}
		st = view.Evolve(st, d)
		if ev.Version == 1 {
			created = ev.Time
		}
	}
	return orderOf(st, e.Version, e.Position, created, e.Time), nil
}

// orderOf returns the order s at version v, whose latest event is at position p, created
// when its first event was appended and updated when its latest was (see readmodel.Order).
func orderOf(s order.Summary, v store.Version, p store.Position, created, updated time.Time) readmodel.Order {
	return readmodel.Order{ID: s.ID, RestaurantID: s.RestaurantID, MenuItems: s.MenuItems, Status: s.Status, Version: v, Position: p,
		CreatedAt: created, UpdatedAt: updated}
}
