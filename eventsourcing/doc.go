// Package eventsourcing is eventgraph's application layer: it runs the pure deciders, views
// and sagas of the domain against a store.Store.
//
// A Handler handles one aggregate's commands: it loads the addressed stream (from a cached
// state when it has one), folds it with the decider's Evolve, calls Decide and appends the
// events with the loaded version as the expected one. Commands on one stream are serialised
// in the handler; a race lost to another writer is retried (reload, decide again) a bounded
// number of times, unless the command pins an expected version. Every event records the
// command's id, correlation id, causation id and fingerprint in its metadata, and a
// CommandIndex reads them back from the log: a repeated command id returns the first result
// and writes nothing, also after a restart, and concurrent repeats all see the first result.
//
// A Runner feeds projections (read models) and sagas from the log (the projections from one
// shared subscription, so the log is read once for all of them, each saga from its own),
// and WaitFor lets a reader wait until a position — and whatever sagas wrote
// because of it — is reflected everywhere. Sagas built by NewSaga run at least once: their
// command ids are derived from the triggering event, so a retry or a restart that re-reads
// the log does not write twice; a rejected command is logged and counted, never retried
// forever. Over a store that keeps checkpoints (store.Checkpointer: eventgraph's JSONL,
// memory and PostgreSQL stores) the Runner saves each saga's position as it goes and when it
// stops, and after a restart the saga resumes there, so an event it handled is not handled
// again. Over a store that keeps none, and for what a crash left after the last checkpoint,
// a saga reads again what it had read: a command it rejected then (which wrote nothing) is decided
// again, against the stream as it is by then, and written if the decider accepts it now.
// Over a store that keeps projections' states (store.StateKeeper: the JSONL store), the
// Runner saves the states of its plain projections when each is a StatefulProjection (the
// read models, the CommandIndex), and a restart loads them and reads only the log after them.
// Where a rejection must stand, let the decider record it as an event rather than return an
// error. Likewise a saga must react to an old event with the commands it reacted with
// before: another command under the same derived id fails with ErrCommandIDReused. Watch
// streams one stream's view state: now, then after every change (WatchAt from a head read
// when the watch was accepted, WatchFrom from a state already held). NewJSONCodec is the
// Codec of events that encoding/json encodes, each Go type under a name of its own; Upcast
// wraps a Codec so that events an earlier release stored under other names or shapes are
// read in today's form; WithSnapshots lets a handler start a long stream from a snapshot of
// its state; and a Router dispatches the commands of several aggregates, each to its
// handler (a saga's dispatch function, say).
package eventsourcing
