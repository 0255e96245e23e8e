package restaurant

// StateRevision names State's JSON encoding and the Evolve that folds it, for snapshots of
// the state (eventsourcing.WithSnapshots): change it whenever either changes, so that
// snapshots of the old fold are ignored.
const StateRevision = "restaurant.State/2"

// State is what the decider knows about one restaurant: the fold of its events. It
// round-trips through encoding/json (snapshots keep it so).
type State struct {
	Exists bool
	ID     string
	Name   string
	Menu   Menu
	// Orders holds the ids of the orders placed at the restaurant. Evolve adds to it without
	// copying it (a copy per event would make a fold quadratic), yet leaves the State it is
	// given as it was (see OrderSet).
	Orders OrderSet
}

// Placed reports whether an order with the given id was placed at the restaurant.
func (s State) Placed(orderID string) bool {
	return s.Orders.Has(orderID)
}
