package store

import (
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/eventgraph/eventgraph/internal/jsonscan"
)

// MaxSnapshotSize bounds a snapshot's State: a state larger than this is cheaper to fold
// from the log than to keep rewriting.
const MaxSnapshotSize = 16 << 20

// Snapshot is a stream's folded state as of one of its versions, kept beside the log so
// that a command handler need not fold a long stream from its first event. Snapshots are
// not events: they are not in the log, and reading the log does not see them. A store may
// lose one (a reader then folds the stream from its start), and one may outlive the events
// it reflects (a backup restored over the log, a log that lost its unsynced tail), so a
// reader checks EventID against the log before it trusts State.
type Snapshot struct {
	Version Version // the stream's version State reflects
	EventID string  // the id of the stream's event at Version
	// Revision names the state's encoding and the fold that produced it, as its writer
	// chose: a reader ignores a snapshot of another revision.
	Revision string
	// State is the state as its writer encoded it. The store keeps the bytes as they are, in
	// a copy of its own: the caller may reuse its buffer once SaveSnapshot returns, and change
	// the State that Snapshot returned.
	State json.RawMessage
}

// Snapshotter is implemented by stores that keep snapshots of streams' states.
type Snapshotter interface {
	// Snapshot returns the snapshot saved for stream; ok is false when none is. What it
	// returns passes CheckSnapshot (its State is valid JSON, which a reader may rely on):
	// a stored one that would not (damaged, or written by other means) is none.
	Snapshot(ctx context.Context, stream string) (s Snapshot, ok bool, err error)
	// SaveSnapshot saves s for stream in place of the one before, unless the one before has
	// the same Revision and a higher Version (another writer got further) and the log holds
	// the event it names at that version (one the log contradicts, after a restore, would
	// otherwise keep every later snapshot out until the stream passed it). It fails with
	// ErrInvalid, and saves nothing, for an empty stream id or one that is not valid UTF-8,
	// a Version below 1, an empty EventID, a Revision or EventID that is not valid UTF-8,
	// and a State that is not valid JSON or is over MaxSnapshotSize. After Close it fails
	// with ErrClosed.
	SaveSnapshot(ctx context.Context, stream string, s Snapshot) error
}

// CheckSnapshot returns the ErrInvalid error SaveSnapshot fails with for these arguments,
// or nil when they are valid.
func CheckSnapshot(stream string, s Snapshot) error {
	switch {
	case stream == "":
		return fmt.Errorf("%w: snapshot of an empty stream id", ErrInvalid)
	case !utf8.ValidString(stream):
		return fmt.Errorf("%w: snapshot stream id %q is not valid UTF-8", ErrInvalid, stream)
	case s.Version < 1:
		return fmt.Errorf("%w: snapshot of %q at version %d", ErrInvalid, stream, s.Version)
	case s.EventID == "" || !utf8.ValidString(s.EventID):
		return fmt.Errorf("%w: snapshot of %q: event id %q", ErrInvalid, stream, s.EventID)
	case !utf8.ValidString(s.Revision):
		return fmt.Errorf("%w: snapshot of %q: revision %q is not valid UTF-8", ErrInvalid, stream, s.Revision)
	case len(s.State) > MaxSnapshotSize:
		return fmt.Errorf("%w: snapshot of %q is %d bytes, over the limit of %d", ErrInvalid, stream, len(s.State), MaxSnapshotSize)
	case jsonscan.Scan(s.State) == jsonscan.Invalid:
		return fmt.Errorf("%w: snapshot of %q: state is not valid JSON", ErrInvalid, stream)
	}
	return nil
}

// KeepsSnapshot reports whether a store holding old for a stream may keep it when s is
// saved: old is of the same revision and further on. It keeps it only if the log also holds
// the event old names (see SnapshotHolds).
func KeepsSnapshot(old, s Snapshot) bool {
	return old.Revision == s.Revision && old.Version > s.Version
}

// SnapshotHolds reports whether the stream of log s holds, at snap's version, the event
// snap names.
func SnapshotHolds(ctx context.Context, s Store, stream string, snap Snapshot) (bool, error) {
	for e, err := range s.ReadStream(ctx, stream, snap.Version-1) {
		if err != nil {
			return false, err
		}
		return e.Version == snap.Version && e.ID == snap.EventID, nil
	}
	return false, nil
}
