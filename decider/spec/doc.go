// Package spec holds given-when-then test helpers for deciders, views and sagas:
//
//	spec.For(t, restaurant.Decider()).Given(created).When(placeOrder).Then(orderPlaced)
//	spec.For(t, restaurant.Decider()).When(placeOrder).ThenError(decider.ErrNotFound)
//	spec.For(t, restaurant.Decider()).When(badInput).ThenInvalid("menu.menuItems[0].price")
//	spec.ForView(t, restaurant.View()).Given(created, menuChanged).Then(summary)
//	spec.ForSaga(t, order.Saga()).When(orderPlaced).Then(createOrder)
//
// Given is a method, not an argument of For, so that events of concrete types convert to
// the decider's event interface (Go's type inference would not convert them).
//
// A failing spec reports the given events, the command (or event), and a line diff of what
// was expected against what happened, each value shown as its Go type and indented JSON.
package spec
