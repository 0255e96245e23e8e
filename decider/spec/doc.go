// Package spec holds given-when-then test helpers for deciders, views and sagas:
//
//	spec.For(t, restaurant.Decider()).Given(created).When(placeOrder).Then(orderPlaced)
//	spec.For(t, restaurant.Decider()).When(placeOrder).ThenError(decider.ErrNotFound)
//	spec.For(t, restaurant.Decider()).When(badInput).ThenInvalid("menu.menuItems[0].price")
//	spec.ForView(t, restaurant.View()).Given(created, menuChanged).Then(summary)
//	spec.ForSaga(t, order.Saga()).When(orderPlaced).Then(createOrder)
//
// Deciders, views and sagas are pure, and so are their specs: the package depends on
// package decider alone. A projection (a read model) is fed encoded events by a store; its
// specs are in package eventsourcing/projectionspec.
//
// Given is a method, not an argument of For, so that events of concrete types convert to
// the decider's event interface (Go's type inference would not convert them).
//
// A When whose outcome (or a saga's reaction) no Then checks fails the test when it ends,
// naming the When's line: it would pass however wrong the code is. A spec stopped before its
// When (a base that subtests carry on, which -run may filter out) does not fail.
//
// Every stream's fold starts from the same InitialState, so Evolve must not write into
// memory InitialState holds: it builds a new state, making maps and slices as they are
// first needed. When (and a view spec's Then) fails if folding changed InitialState in
// place, and if InitialState holds a slice with spare capacity (len < cap, such as
// make([]T, 0, n)): an append in Evolve would write into that slice's backing array,
// which every fold shares, so the folds of two streams would overwrite each other's
// elements without InitialState's own length or elements changing.
//
// Decide must only read the state it is given: a command handler keeps that state for the
// stream's next command. When fails if Decide changed it in place (a map entry written, a
// slice's element set, a field behind a pointer).
//
// A failing spec reports the given events, the command (or event), and a line diff of what
// was expected against what happened, each value shown as its Go type and indented JSON;
// an event (or a command) missing, extra or out of place shows as that. A long diff keeps
// the lines near each change and those that open the objects and lists the change is in; a
// long history, its first and last events. When the diff would not show where the values
// differ (an unexported field, nil against empty, a time's location), is cut short or has
// a line too long to read, the report names each place by its path:
//
//	at state["P17"].Spot.Row: want "Z", got ""
package spec
