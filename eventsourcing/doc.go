// Package eventsourcing is eventgraph's application layer: it runs the pure deciders, views
// and sagas of the domain against a store.Store. It holds the command handler (load, fold,
// decide, append with optimistic concurrency, bounded retry, idempotency by command id), the
// projection runner (read models fed by Subscribe, each tracking its position, with a way to
// wait for a position) and the saga manager (at least once, command ids derived from event ids).
package eventsourcing
