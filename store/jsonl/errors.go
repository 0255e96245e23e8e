package jsonl

import (
	"errors"
	"fmt"
)

var (
	// ErrCorrupt means the log holds damaged data before its tail. Open refuses such a log;
	// a *CorruptError carrying the byte offset unwraps to it. A read that meets a line
	// damaged after Open (the file changed under the Store) fails with one too.
	ErrCorrupt = errors.New("jsonl: corrupt log")
	// ErrLocked means another Store, in this process or another, has the directory open:
	// for Open, any Store; for OpenReadOnly, one opened with Open.
	ErrLocked = errors.New("jsonl: directory is locked by another store")
	// ErrFailed means an earlier write or sync failed in a way that leaves the file's state
	// uncertain, so the Store refuses further appends. Reads keep working; close the Store
	// and open it again to recover.
	ErrFailed = errors.New("jsonl: store failed")
	// ErrReadOnly means the Store was opened with OpenReadOnly: Append, AppendEvents,
	// AppendHandover, SaveCheckpoint and SaveSnapshot fail with it and change nothing.
	ErrReadOnly = errors.New("jsonl: store is read-only")
)

// CorruptError reports damage in the log file at a byte offset.
type CorruptError struct {
	Path   string // the log file
	Offset int64  // byte offset of the start of the damaged line
	Line   int64  // 1-based line number; 0 when a read after Open found the damage, which knows only the offset
	Reason string // what is wrong
}

// Error describes the damage: the file, the byte offset, the line when known, and the
// reason.
func (e *CorruptError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("jsonl: corrupt log %s at byte offset %d: %s", e.Path, e.Offset, e.Reason)
	}
	return fmt.Sprintf("jsonl: corrupt log %s at byte offset %d (line %d): %s", e.Path, e.Offset, e.Line, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }
