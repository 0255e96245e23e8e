package decider

import (
	"errors"
	"fmt"
)

// Kinds of rejection shared by every domain. Domain errors wrap one of these (or define their
// own sentinels) so the transport edge can map them to codes in one place.
var (
	// ErrInvalid means the command's input is malformed; a *ValidationError unwraps to it.
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound means the command addresses an entity that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists means the command would create an entity that already exists.
	ErrAlreadyExists = errors.New("already exists")
)

// ValidationError says which input field is invalid and why.
type ValidationError struct {
	Field  string // the input's field path, e.g. "menu.menuItems[2].price"
	Reason string // a sentence fragment, e.g. "must have at most two fraction digits"
}

// Error describes the rejection.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }
