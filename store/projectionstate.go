package store

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// ProjectionState is one projection's in-memory read model as its writer encoded it.
type ProjectionState struct {
	Name     string // the projection's name
	Revision string // names the encoding and the projection's fold, as its writer chose
	// Data is the encoded state. The store keeps the bytes as they are; the caller may reuse
	// its buffer once SaveProjectionStates returns.
	Data []byte
}

// ProjectionStates is a set of projections' states that agree: each reflects every event of
// the log up to Position and none after it. Like checkpoints and snapshots they are not
// events: they are not in the log, and reading the log does not see them. The event ids tell
// a set of this log from one of another (a copy, a backup restored over it), whose events at
// those positions differ or are missing.
type ProjectionStates struct {
	Position Position // the states reflect every event up to here
	EventID  string   // the id of the event at Position
	// Head is the log's head when the states were saved, at or after Position, and HeadEventID
	// the id of the event there: a projection may have read ahead of Position (see
	// eventsourcing.CommandIndex), but never past Head.
	Head        Position
	HeadEventID string
	States      []ProjectionState
}

// StateKeeper is implemented by stores that keep a set of projections' in-memory states
// beside the log, so that a restarted process loads its read models instead of replaying the
// log from its first event (see eventsourcing.StatefulProjection). A store keeps one set: a
// save replaces the one before, whole, or leaves it as it was (also across a crash).
//
// The JSONL store keeps it in a file beside its log, the PostgreSQL store in a table, shared
// by the servers of one schema; the memory store, which loses its log on restart, does not.
type StateKeeper interface {
	// ProjectionStates returns the set saved last; ok is false when none is. A set whose
	// bytes are damaged (a checksum does not match, a file cut short) is an error, as a
	// set that cannot be read is: the caller then replays the log.
	ProjectionStates(ctx context.Context) (s ProjectionStates, ok bool, err error)
	// SaveProjectionStates saves s in place of the set before. It returns once s is as
	// durable as the store's appends are. It fails with ErrInvalid, and saves nothing,
	// for what CheckProjectionStates refuses; after Close, with ErrClosed.
	SaveProjectionStates(ctx context.Context, s ProjectionStates) error
}

// CheckProjectionStates returns the ErrInvalid error SaveProjectionStates fails with for s,
// or nil when it is valid: a Position of 1 or more with its EventID, a Head at or after it
// with its HeadEventID, ids, names and revisions of valid UTF-8, and names that are not
// empty and differ.
func CheckProjectionStates(s ProjectionStates) error {
	switch {
	case s.Position < 1 || s.EventID == "" || !utf8.ValidString(s.EventID):
		return fmt.Errorf("%w: projection states at position %d, event id %q", ErrInvalid, s.Position, s.EventID)
	case s.Head < s.Position || s.HeadEventID == "" || !utf8.ValidString(s.HeadEventID):
		return fmt.Errorf("%w: projection states with head %d, event id %q, at position %d", ErrInvalid, s.Head, s.HeadEventID, s.Position)
	}
	seen := make(map[string]bool, len(s.States))
	for _, p := range s.States {
		switch {
		case p.Name == "" || !utf8.ValidString(p.Name) || seen[p.Name]:
			return fmt.Errorf("%w: projection state name %q empty, not valid UTF-8 or repeated", ErrInvalid, p.Name)
		case !utf8.ValidString(p.Revision):
			return fmt.Errorf("%w: projection state %q: revision %q is not valid UTF-8", ErrInvalid, p.Name, p.Revision)
		}
		seen[p.Name] = true
	}
	return nil
}
