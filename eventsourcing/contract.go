package eventsourcing

import (
	"context"
	"encoding/json"
	"io"

	"github.com/eventgraph/eventgraph/store"
)

// Codec maps a domain's events to and from the store's type names and JSON bodies.
// Decode fails for a type the codec does not know; callers that read a shared log skip
// events whose types they do not handle by asking Handles first.
//
// A Codec must round-trip: Decode of what Encode returned yields an event that Evolve treats
// as the original. The Handler relies on it, folding the events it decided into its cached
// state without decoding them again.
type Codec[E any] interface {
	// Encode returns the event's type name and JSON body. The body is the caller's: the
	// Handler hands it to the store, which may keep it (see store.HandoverAppender), so it
	// must not be a buffer Encode writes to again.
	Encode(e E) (typ string, data json.RawMessage, err error)
	// Decode parses a body of the given type.
	Decode(typ string, data json.RawMessage) (E, error)
	// Handles reports whether Decode knows the type.
	Handles(typ string) bool
}

// Projection is a read model fed from the global log in position order.
type Projection interface {
	// Name identifies the projection in a Runner's status, logs and metrics; it is unique
	// within a Runner.
	Name() string
	// Apply is called once per event, from one goroutine, for every event in the log
	// (including the ones it ignores), with positions strictly increasing. A Runner's plain
	// projections share that goroutine (see Runner), so Apply should only update memory: a
	// slow one holds back the others (a read model kept in a database is a
	// ResumableProjection, which has a goroutine of its own). An error stops this projection
	// only, and is reported in its status. Apply must not modify e's Data or Metadata: the
	// Runner may pass events that share memory with the store (store.SubscribeReadOnly).
	Apply(e store.Event) error
}

// ResumableProjection is a Projection whose read model outlives the process (kept in a
// database, say) together with the position of the last event it reflects: a Runner starts
// it after that position instead of at the log's start, and runs it on a subscription of its
// own, so that its Apply, which writes to the database, holds no other projection back.
type ResumableProjection interface {
	Projection
	// Resume returns the position of the last event the read model reflects, 0 for none.
	// Keep it with the read model, written in the same transaction as each Apply's changes,
	// so that the two never disagree: an event applied but not counted is applied again
	// after a restart. Run calls Resume before it feeds the projection, and again, with
	// backoff, while it fails (its database not up yet), each failure counted in the
	// projection's Status; a WaitFor waits meanwhile. A panic, or a position beyond the log's
	// head (a read model of another log, or of a backup of this one restored since), stops
	// the projection, reported in its Status.
	Resume(ctx context.Context) (store.Position, error)
}

// StatefulProjection is a Projection whose read model lives in memory and can be written out
// and read back, so that a restarted process loads it instead of replaying the log from its
// first event. A Runner over a store that keeps states (store.StateKeeper) saves the states
// of its plain projections together, at one position of the log, when every one of them is
// a StatefulProjection, and loads them at start (see Runner and WithStateInterval).
type StatefulProjection interface {
	Projection
	// StateRevision names the format WriteState writes and the fold whose result it holds:
	// change it whenever either changes, so that a state of another revision is not loaded
	// (the log is replayed instead).
	StateRevision() string
	// WriteState writes the whole state to w. A Runner calls it between two Applies, from
	// a goroutine of its own while it holds back the one that calls Apply (never during an
	// Apply, and ordered with them as by a mutex), so that the states of its projections
	// agree; the read model's readers may go on meanwhile. An error fails this save only:
	// the Runner logs it and saves again later.
	WriteState(w io.Writer) error
	// ReadState replaces the whole state with the one in r, as WriteState of this revision
	// wrote it (r holds exactly those bytes). A Runner calls it at start, before the first
	// Apply; the read model's readers may already be reading it. It fails for bytes it
	// cannot decode, and then leaves the state as it was: a state that fails half-way never
	// leaves a read model half-filled.
	ReadState(r io.Reader) error
}
