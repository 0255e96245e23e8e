package order

import (
	"errors"
	"fmt"
)

// ErrAlreadyPrepared means MarkOrderAsPrepared addressed an order that is already prepared.
var ErrAlreadyPrepared = errors.New("order already prepared")

// AlreadyPreparedError is MarkOrderAsPrepared's rejection of an order prepared before. It
// wraps ErrAlreadyPrepared; its field names the order, so that a spec can check which.
type AlreadyPreparedError struct {
	OrderID string
}

func (e *AlreadyPreparedError) Error() string {
	return fmt.Sprintf("order %q is already prepared", e.OrderID)
}

// Unwrap returns ErrAlreadyPrepared.
func (e *AlreadyPreparedError) Unwrap() error { return ErrAlreadyPrepared }
