package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Checkpoint records how far a named reader of the log has handled it. The event ids tell
// a checkpoint of this log from one of another (a copy, a backup restored over it), whose
// events at those positions differ or are missing.
type Checkpoint struct {
	Position Position // the reader handled every event up to this position
	EventID  string   // the id of the event at Position
	// Head is the log's head when the checkpoint was saved, and HeadEventID the id of the
	// event there: whatever the reader wrote because of the events up to Position is at or
	// before Head, so a log that holds the event at Head holds those writes too.
	Head        Position
	HeadEventID string
}

// Checkpointer is implemented by stores that keep checkpoints beside the log, so that a
// reader which must not handle an event again after a restart (a saga, whose rejected
// commands would be decided anew) resumes where it left off instead of at the start.
// Checkpoints are not events: they are not in the log, and reading the log does not see them.
//
// A name is valid UTF-8 without NUL, of at most MaxCheckpointNameBytes, and a checkpoint's
// event ids are valid UTF-8; both methods fail with ErrInvalid otherwise (see
// CheckCheckpoint), in every store alike: a file of JSON would keep a name's invalid bytes
// as U+FFFD, losing it across a restart, and a database's text column holds neither, nor
// its index a name of a few kilobytes.
type Checkpointer interface {
	// Checkpoint returns the checkpoint saved under name, or the zero Checkpoint when none was.
	Checkpoint(ctx context.Context, name string) (Checkpoint, error)
	// SaveCheckpoint saves c under name in place of the one before; a store that several
	// servers share may keep the one before instead when it is further on and names events
	// the log holds (any server's handling of an event counts). It returns once c is as
	// durable as the store's appends are. After Close it fails with ErrClosed.
	SaveCheckpoint(ctx context.Context, name string, c Checkpoint) error
}

// MaxCheckpointNameBytes is the longest checkpoint name a Checkpointer takes.
const MaxCheckpointNameBytes = 1024

// CheckCheckpoint returns the ErrInvalid error Checkpoint (with the zero Checkpoint) and
// SaveCheckpoint fail with for these arguments, or nil when they are valid.
func CheckCheckpoint(name string, c Checkpoint) error {
	switch {
	case len(name) > MaxCheckpointNameBytes:
		return fmt.Errorf("%w: checkpoint name of %d bytes, over the limit of %d", ErrInvalid, len(name), MaxCheckpointNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: checkpoint name %q is not valid UTF-8", ErrInvalid, name)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%w: checkpoint name %q holds a NUL byte", ErrInvalid, name)
	case !utf8.ValidString(c.EventID) || !utf8.ValidString(c.HeadEventID):
		return fmt.Errorf("%w: checkpoint %q: event id %q or %q is not valid UTF-8", ErrInvalid, name, c.EventID, c.HeadEventID)
	}
	return nil
}
