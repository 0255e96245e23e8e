package service

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/eventgraph/eventgraph/store"
)

// ErrReadBudgetSpent is what EventsWithin fails with when its budget was spent before its
// page's first event: the reads that share the budget have returned all it allows.
var ErrReadBudgetSpent = errors.New("service: read budget spent")

// ReadBudgetError is ErrReadBudgetSpent with the budget's size.
type ReadBudgetError struct{ Budget int64 }

func (e *ReadBudgetError) Error() string {
	return fmt.Sprintf("service: the events read passed their budget of %d bytes", e.Budget)
}

// Is reports whether target is ErrReadBudgetSpent.
func (e *ReadBudgetError) Is(target error) bool { return target == ErrReadBudgetSpent }

// ReadBudget bounds the bytes of the events that several reads return together: the events
// pages of one GraphQL operation, whose fields run concurrently. An event's data is up to a
// MiB (a menu of 500 items, its names escaped), so a page of a hundred events can be tens of
// megabytes, and a query of a few aliases of such pages a gigabyte, however cheap the
// fields look. It is safe for concurrent use.
type ReadBudget struct {
	size int64
	left atomic.Int64
}

// NewReadBudget returns a budget of n bytes.
func NewReadBudget(n int64) *ReadBudget {
	b := &ReadBudget{size: n}
	b.left.Store(n)
	return b
}

// take charges an event of n bytes, reporting whether it may be returned. A page's first
// event (first) is taken while any of the budget is left, even past it, so that a page holds
// an event whenever one is there to hold; a later one is taken only if it fits.
func (b *ReadBudget) take(n int64, first bool) bool {
	for {
		left := b.left.Load()
		if left <= 0 || !first && n > left {
			return false
		}
		if b.left.CompareAndSwap(left, left-n) {
			return true
		}
	}
}

// eventBytes is what an event counts against a ReadBudget: its data, its metadata's keys and
// values, and its id, stream id and type, as store.DefaultMaxEventSize counts them.
func eventBytes(e store.Event) int64 {
	n := len(e.Data) + len(e.ID) + len(e.StreamID) + len(e.Type)
	for k, v := range e.Metadata {
		n += len(k) + len(v)
	}
	return int64(n)
}
