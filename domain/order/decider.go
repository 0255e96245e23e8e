package order

import (
	"fmt"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// State is what the decider knows about one order: the fold of its events.
type State struct {
	Exists       bool
	ID           string
	RestaurantID string
	MenuItems    []restaurant.MenuItem
	Status       Status
}

// Decider returns the order decider.
//
// Decide checks, in this order: the command's input (a *decider.ValidationError wrapping
// decider.ErrInvalid); that the order exists, for MarkOrderAsPrepared (a
// *decider.NotFoundError); that it does not, for CreateOrder (a *decider.AlreadyExistsError);
// and that it is not prepared yet, for MarkOrderAsPrepared (an *AlreadyPreparedError,
// wrapping ErrAlreadyPrepared). Evolve never changes the State it is given.
func Decider() decider.Decider[Command, State, Event] {
	return decider.Decider[Command, State, Event]{
		Decide:       decide,
		Evolve:       evolve,
		InitialState: State{},
	}
}

func decide(c Command, s State) ([]Event, error) {
	switch c := c.(type) {
	case CreateOrder:
		return create(c, s)
	case MarkOrderAsPrepared:
		return markPrepared(c, s)
	default:
		return nil, fmt.Errorf("order: %w: unknown command %T", decider.ErrInvalid, c)
	}
}

func create(c CreateOrder, s State) ([]Event, error) {
	if err := restaurant.ValidateID("id", c.ID); err != nil {
		return nil, err
	}
	if err := restaurant.ValidateID("restaurantId", c.RestaurantID); err != nil {
		return nil, err
	}
	if n := len(c.MenuItems); n == 0 || n > restaurant.MaxOrderItems {
		return nil, &decider.ValidationError{Field: "menuItems", Reason: fmt.Sprintf("must have 1 to %d items, has %d", restaurant.MaxOrderItems, n)}
	}
	items, err := restaurant.NormalizeOrderedItems("menuItems", c.MenuItems)
	if err != nil {
		return nil, err
	}
	if s.Exists {
		return nil, &decider.AlreadyExistsError{Entity: "order", ID: c.ID}
	}
	return []Event{OrderCreated{OrderID: c.ID, RestaurantID: c.RestaurantID, MenuItems: items}}, nil
}

func markPrepared(c MarkOrderAsPrepared, s State) ([]Event, error) {
	if err := restaurant.ValidateID("id", c.ID); err != nil {
		return nil, err
	}
	if !s.Exists {
		return nil, &decider.NotFoundError{Entity: "order", ID: c.ID}
	}
	if s.Status == Prepared {
		return nil, &AlreadyPreparedError{OrderID: c.ID}
	}
	return []Event{OrderPrepared{OrderID: c.ID}}, nil
}

func evolve(s State, e Event) State {
	switch e := e.(type) {
	case OrderCreated:
		s = State{Exists: true, ID: e.OrderID, RestaurantID: e.RestaurantID, MenuItems: restaurant.CloneItems(e.MenuItems), Status: Created}
	case OrderPrepared:
		s.Status = Prepared
	}
	return s
}
