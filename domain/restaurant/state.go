package restaurant

// State is what the decider knows about one restaurant: the fold of its events.
type State struct {
	Exists bool
	ID     string
	Name   string
	Menu   Menu
	// Orders holds the ids of the orders placed at the restaurant. Evolve adds to this set
	// in place (copying it per event would make a fold quadratic), so a State must not be
	// used after it was passed to Evolve.
	Orders map[string]struct{}
}

// Placed reports whether an order with the given id was placed at the restaurant.
func (s State) Placed(orderID string) bool {
	_, ok := s.Orders[orderID]
	return ok
}
