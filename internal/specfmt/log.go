package specfmt

// Log is the history given to a spec: the log of the spec it was carried on from (prev),
// which no spec changes, followed by the events given to it. So specs carried on from one
// base share the base's log, and a Given costs its own events, not a copy of the history
// so far: a loop giving events one at a time would otherwise be quadratic. The nil *Log is
// the empty history.
type Log[E any] struct {
	prev   *Log[E]
	events []E
	n      int // the events of the whole log
}

// Add returns l followed by events, leaving l as it was. events is not copied: callers
// pass a slice they no longer change.
func (l *Log[E]) Add(events []E) *Log[E] {
	if len(events) == 0 {
		return l
	}
	return &Log[E]{prev: l, events: events, n: l.Len() + len(events)}
}

// Len returns the number of events in the log.
func (l *Log[E]) Len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// All returns the log's events, first to last, in a new slice.
func (l *Log[E]) All() []E {
	out := make([]E, l.Len())
	for ; l != nil; l = l.prev {
		copy(out[l.n-len(l.events):], l.events)
	}
	return out
}
