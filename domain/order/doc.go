// Package order is the order aggregate: its commands, events, decider, view, event codec,
// and the saga that creates an order for every order placed at a restaurant.
//
// The package is pure: it imports only the standard library, the decider kernel, the
// domain's JSON helpers (domain/internal/jsonw and jsonr, for its hand-written JSON) and the
// restaurant domain (for menu items and the events its saga reacts to).
package order
