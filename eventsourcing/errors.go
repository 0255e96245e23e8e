package eventsourcing

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

var (
	// ErrCommandIDReused means a command id was repeated with a different command: the
	// command's fingerprint differs from the one recorded with the id's first use.
	ErrCommandIDReused = errors.New("eventsourcing: command id reused with a different command")
	// ErrConsistencyTimeout means WaitFor's context ended before the position was processed.
	ErrConsistencyTimeout = errors.New("eventsourcing: consistency timeout")
	// ErrDraining means WaitFor was asked for a position beyond the log's head after Drain:
	// the server is shutting down and will not see that position.
	ErrDraining = errors.New("eventsourcing: draining for shutdown")
	// ErrProcessorStopped means a projection or saga stopped on an error before reaching the
	// position WaitFor waits for, or the Runner's Run returned before it was reached.
	ErrProcessorStopped = errors.New("eventsourcing: processor stopped")
	// ErrRunnerStarted means Run was called on a runner that has already been run.
	ErrRunnerStarted = errors.New("eventsourcing: runner already started")
)

// StoreError wraps a failure of the store (not a version conflict and not invalid input) met
// while handling a command, so that callers can tell a transient failure from a rejection.
type StoreError struct {
	Op     string // "read" or "append"
	Stream string
	Err    error
}

// Error describes the failure: the operation, the stream (when it concerns one) and the
// store's error.
func (e *StoreError) Error() string {
	if e.Stream == "" {
		return fmt.Sprintf("eventsourcing: %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("eventsourcing: %s %s: %v", e.Op, e.Stream, e.Err)
}

// Unwrap returns the store's error.
func (e *StoreError) Unwrap() error { return e.Err }

// IsTransient reports whether handling a command failed for a reason that may go away when
// it is retried: a version conflict, a context error, or a *StoreError other than
// store.ErrClosed and store.ErrInvalid. Domain rejections, ErrCommandIDReused and other
// errors are not transient, nor is a conflict with the version the command pinned
// (Meta.ExpectedVersion): the stream has moved past it, and the same command fails again.
func IsTransient(err error) bool {
	if _, ok := errors.AsType[*pinnedConflict](err); ok {
		return false
	}
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrClosed), errors.Is(err, store.ErrInvalid), errors.Is(err, ErrCommandIDReused):
		return false
	case errors.Is(err, store.ErrConflict):
		return true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var se *StoreError
	return errors.As(err, &se)
}

// pinnedConflict is a version conflict with the version the command pinned: Handle returns
// the *store.ConflictError in it (errors.As finds it), marked so that IsTransient can tell
// it from a race lost after the retries, which a later try may win.
type pinnedConflict struct{ err error }

func (e *pinnedConflict) Error() string { return e.err.Error() }
func (e *pinnedConflict) Unwrap() error { return e.err }

// markPinned marks err, a version conflict, as the pinned version's when meta pins one.
func markPinned(meta Meta, err error) error {
	if pinned(meta) {
		return &pinnedConflict{err}
	}
	return err
}
