package jsonl

import "time"

// Observer receives measurements of a Store's writes, for metrics. Its methods are called on
// the appending goroutines without the store's lock held; they must be quick and safe for
// concurrent use, and must not call the Store.
type Observer interface {
	// Appended is called once after every Append with the number of events it carried, how
	// long it took (waiting for its group commit's write and sync included) and its error
	// (nil when the events were committed).
	Appended(events int, d time.Duration, err error)
	// Synced is called after each group commit's fsync with the number of appends and events
	// the group carried, how long the fsync alone took, and its error. A Store opened
	// WithNoSync never syncs, so it never calls Synced.
	Synced(appends, events int, d time.Duration, err error)
}

// ReadObserver is an Observer that also hears where the events that Subscribe, ReadAll and
// their shared variants yield come from: the tail cache, or read back from the file. A
// subscriber that keeps up with the log should find nearly all of them in the cache (see
// WithTailCache). The same rules as for Observer apply.
type ReadObserver interface {
	Observer
	// Read is called after each run of events a reader yields, with how many came from the
	// tail cache and how many from the file.
	Read(cached, fromFile int)
}

// WithObserver sets an observer told about every Append and every group commit's fsync
// (latency, batch size, errors), and, when it is a ReadObserver, about where readers' events
// come from. A nil observer is ignored.
func WithObserver(o Observer) Option {
	return func(c *config) { c.observer = o }
}

// observeAppend reports an Append that started at start; err points to its result.
func (s *Store) observeAppend(start time.Time, events int, err *error) {
	s.observer.Appended(events, time.Since(start), *err)
}

// sync makes the log durable, timing the fsync for the observer, if any.
func (s *Store) sync(g *group) error {
	if s.observer == nil {
		return s.f.Sync()
	}
	start := time.Now()
	err := s.f.Sync()
	s.observer.Synced(g.appends, len(g.lines), time.Since(start), err)
	return err
}
