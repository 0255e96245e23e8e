package postgres

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// tail caches the most recent events of the log, so that subscribers that have caught up
// cost no query: one tailer per Store reads each new commit from the table once and every
// caught-up subscriber takes its events from here. A subscriber behind the cached window
// reads the table instead.
//
// Its memory is bounded by a number of events and by their size, and it is dropped when
// the last subscriber ends, so an idle Store holds no events.
type tail struct {
	mu       sync.RWMutex
	size     int            // the most events it holds
	maxBytes int            // the most bytes (eventSize) it holds, but for the newest event
	ring     []store.Event  // the event at position p is ring[p % size]; nil while empty
	bytes    int            // the eventSize of the cached events
	first    store.Position // the cache holds the events at positions first+1 .. last
	last     store.Position
	lastID   string        // the id of the event at last, "" when not known
	changed  chan struct{} // closed when last advances
}

func newTail(size, maxBytes int, head store.Position) *tail {
	return &tail{size: size, maxBytes: maxBytes, first: head, last: head, changed: make(chan struct{})}
}

// eventSize is what an event counts for in the cache: what a page counts (see
// WithPageBytes) and a fixed share for the rest of the struct and the metadata's map.
func eventSize(e *store.Event) int {
	n := 128 + len(e.ID) + len(e.StreamID) + len(e.Type) + len(e.Data)
	for k, v := range e.Metadata {
		n += 16 + len(k) + len(v)
	}
	return n
}

// since returns copies of the cached events after position from, at most max of them and,
// but for the first, while those before add up to less than maxBytes. cached is false when
// from is before the window (read the table); when there is nothing after from yet, wait
// is a channel closed when there is.
func (t *tail) since(from store.Position, max, maxBytes int) (events []store.Event, cached bool, wait <-chan struct{}) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if from < t.first {
		return nil, false, nil
	}
	if from >= t.last {
		return nil, true, t.changed
	}
	size := 0
	for p := from + 1; p <= t.last && len(events) < max && size < maxBytes; p++ {
		e := t.ring[t.slot(p)]
		size += eventSize(&e)
		e.Data = append([]byte(nil), e.Data...) // the caller may change what it gets
		e.Metadata = maps.Clone(e.Metadata)
		events = append(events, e)
	}
	return events, true, nil
}

// reset empties the cache and starts it at position p, the event id's, if p is past its
// end: for a cache that was dropped while nobody subscribed. Waiters are woken (and read
// the table).
func (t *tail) reset(p store.Position, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p <= t.last {
		if p == t.last && t.lastID == "" {
			t.lastID = id // the cache starts at the head Open read, whose id it did not
		}
		return
	}
	t.empty()
	t.first, t.last, t.lastID = p, p, id
	close(t.changed)
	t.changed = make(chan struct{})
}

// drop empties the cache, which goes on after the last position it held: for a Store whose
// last subscriber ended. Nothing waits for the dropped events (a subscriber behind reads the
// table), so no waiter is woken.
func (t *tail) drop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.empty()
}

// empty forgets the cached events; their memory goes with the ring. t.mu is held.
func (t *tail) empty() {
	t.ring, t.bytes, t.first = nil, 0, t.last
}

// head returns the position of the last cached event.
func (t *tail) head() store.Position {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.last
}

// lastEvent returns the position of the last event the cache took, or started at (see
// reset), and its id ("" at Open); the event stays known after it is pushed out or dropped.
func (t *tail) lastEvent() (store.Position, string) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.last, t.lastID
}

// add caches events that continue the log from the last cached position, pushing out the
// oldest past the cache's bounds, and wakes the waiting subscribers.
func (t *tail) add(events []store.Event) {
	if len(events) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range events {
		if e.Position != t.last+1 {
			continue // only a contiguous continuation is cached
		}
		if t.ring == nil {
			t.ring = make([]store.Event, t.size)
		}
		if t.last-t.first == store.Position(t.size) {
			t.pushOut() // its slot is the new event's
		}
		t.ring[t.slot(e.Position)] = e
		t.bytes += eventSize(&e)
		t.last, t.lastID = e.Position, e.ID
		for t.bytes > t.maxBytes && t.last-t.first > 1 {
			t.pushOut()
		}
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// pushOut forgets the oldest cached event. t.mu is held.
func (t *tail) pushOut() {
	slot := &t.ring[t.slot(t.first+1)]
	t.bytes -= eventSize(slot)
	*slot = store.Event{}
	t.first++
}

// runTailer reads every new commit into the tail, woken by this Store's commits and by
// notifications of other Stores' commits, and at the poll interval in case a notification
// was lost. It ends when ctx does. While the database cannot be read it retries at the poll
// interval; subscribers wait meanwhile. While nobody subscribes it reads nothing and keeps
// nothing; when the first subscriber comes, the cache starts at the head.
//
// It also checks that the last event it read is still in the log, before it takes in the
// events after it (see readTail) and otherwise at most once a poll interval while anyone
// subscribes, so that a log that lost events fails the store (see ErrFailed) rather than
// have its subscribers skip the new events at their positions.
func (s *Store) runTailer(ctx context.Context) {
	stale := false
	var checked time.Time
	for {
		wake := s.wake.wait() // before reading, so a commit after the read wakes us
		switch {
		case s.subscribers.Load() == 0:
			if !stale {
				// The last subscriber dropped the cache as it ended; this drops what a read
				// in flight then added.
				s.tail.drop()
			}
			stale = true
		case stale:
			// The cache was dropped: it starts again at the head, and a subscriber behind
			// reads the table.
			seen := s.seen.Load()
			var head int64
			var id []byte
			err := s.onLiveConnection(ctx, func() error { return s.pool.QueryRow(ctx, s.sql.headEvent).Scan(&head, &id) })
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				break
			}
			s.checkHead(head, seen)
			s.tail.reset(store.Position(head), string(id))
			stale = false
			fallthrough
		default:
			if time.Since(checked) >= s.opts.poll {
				if p, id := s.tail.lastEvent(); s.checkLast(ctx, p, id) == nil {
					checked = time.Now()
				}
			}
			s.readTail(ctx)
		}
		t := time.NewTimer(s.opts.poll)
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

// readTail reads the events after the cache's end into it.
//
// Before it takes a page in, it looks up the cache's last event again, after the read: new
// events at positions that a log which lost events gave out again (see ErrFailed) would
// otherwise continue the cache, and once it had moved on to them no later check could tell
// that anything was lost. Looked up before the read instead, it could miss a loss between
// the two.
func (s *Store) readTail(ctx context.Context) {
	for {
		last, id := s.tail.lastEvent()
		page, more, err := s.page(ctx, "tail", s.sql.readAll, int64(last))
		if err != nil {
			return
		}
		if len(page) > 0 && (s.checkLast(ctx, last, id) != nil || s.Failed() != nil) {
			return // the database did not answer (the next read tries again), or it failed
		}
		s.tail.add(page)
		s.saw(s.tail.head())
		if !more {
			return
		}
	}
}

// slot is where position p is kept in the ring. The remainder is taken in 64 bits: the
// database's positions go beyond an int on a 32-bit processor, where int(p) turned negative.
func (t *tail) slot(p store.Position) int { return int(p % store.Position(t.size)) }
