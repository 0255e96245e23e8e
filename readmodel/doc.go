// Package readmodel holds the projections behind the GraphQL queries: restaurants and
// orders, fed from the global log in position order, listed in creation order with opaque
// cursors.
//
// Both projections implement eventsourcing.StatefulProjection: a Runner over a store that
// keeps states (the JSONL store) saves them and loads them at the next start instead of
// replaying the log, with their cursors and each restaurant's order events as they were.
//
// Both projections implement eventsourcing.Projection. Apply is called from one goroutine
// for every event of the log; Get and List may be called from any number of goroutines at
// the same time, and return copies that share nothing with the projection.
package readmodel
