package store

import (
	"errors"
	"fmt"
)

var (
	// ErrConflict means the stream's version did not match the expected version.
	// A *ConflictError carrying the details unwraps to it.
	ErrConflict = errors.New("store: version conflict")
	// ErrInvalid means an argument was invalid: an empty stream id, no events, an empty
	// event type, data that is not valid JSON or nests deeper than MaxDataDepth, a string
	// that is not valid UTF-8, an expected version that is none of the modes (below
	// StreamExists), an event over the size limit, or a snapshot that CheckSnapshot refuses.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("store: closed")
)

// ConflictError describes a failed optimistic-concurrency check.
type ConflictError struct {
	Stream   string
	Expected Version // the version the append expected: a version, or Any, NoStream or StreamExists
	Actual   Version // the stream's version when the append was checked
}

// Error describes the conflict: the stream and the expected and actual versions.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: version conflict on stream %q: expected %s, actual %d",
		e.Stream, expectedString(e.Expected), e.Actual)
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Unwrap() error { return ErrConflict }

func expectedString(v Version) string {
	switch v {
	case Any:
		return "any"
	case NoStream:
		return "no stream"
	case StreamExists:
		return "stream exists"
	}
	return fmt.Sprint(int64(v))
}
