package decider

import "fmt"

// NotFoundError says that a command addresses an entity that does not exist.
// It unwraps to ErrNotFound.
type NotFoundError struct {
	Entity string // the kind of entity, e.g. "restaurant"
	ID     string // the id the command addressed
}

// Error describes the rejection.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found", e.Entity, e.ID)
}

// Unwrap makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// AlreadyExistsError says that a command would create an entity that already exists.
// It unwraps to ErrAlreadyExists.
type AlreadyExistsError struct {
	Entity string // the kind of entity, e.g. "order"
	ID     string // the id that is taken
	Scope  string // optional: where the id is taken, e.g. `restaurant "r1"`
}

// Error describes the rejection.
func (e *AlreadyExistsError) Error() string {
	if e.Scope != "" {
		return fmt.Sprintf("%s %q already exists at %s", e.Entity, e.ID, e.Scope)
	}
	return fmt.Sprintf("%s %q already exists", e.Entity, e.ID)
}

// Unwrap makes errors.Is(err, ErrAlreadyExists) true.
func (e *AlreadyExistsError) Unwrap() error { return ErrAlreadyExists }
