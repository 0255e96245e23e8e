package postgres

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// tail caches the most recent events of the log, so that subscribers that have caught up
// cost no query: one tailer per Store reads each new commit from the table once and every
// caught-up subscriber takes its events from here. A subscriber behind the cached window
// reads the table instead.
type tail struct {
	mu      sync.RWMutex
	ring    []store.Event  // the event at position p is ring[p % len(ring)]
	first   store.Position // the cache holds the events at positions first+1 .. last
	last    store.Position
	changed chan struct{} // closed when last advances
}

func newTail(size int, head store.Position) *tail {
	return &tail{ring: make([]store.Event, size), first: head, last: head, changed: make(chan struct{})}
}

// since returns copies of up to max cached events after position from. cached is false
// when from is before the window (read the table); when there is nothing after from yet,
// wait is a channel closed when there is.
func (t *tail) since(from store.Position, max int) (events []store.Event, cached bool, wait <-chan struct{}) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if from < t.first {
		return nil, false, nil
	}
	if from >= t.last {
		return nil, true, t.changed
	}
	n := min(int(t.last-from), max)
	events = make([]store.Event, n)
	for i := range events {
		e := t.ring[int(from+1+store.Position(i))%len(t.ring)]
		e.Data = append([]byte(nil), e.Data...) // the caller may change what it gets
		e.Metadata = maps.Clone(e.Metadata)
		events[i] = e
	}
	return events, true, nil
}

// reset empties the cache and starts it at position p, if p is past its end: for a cache
// that fell far behind while nobody subscribed. Waiters are woken (and read the table).
func (t *tail) reset(p store.Position) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p <= t.last {
		return
	}
	clear(t.ring)
	t.first, t.last = p, p
	close(t.changed)
	t.changed = make(chan struct{})
}

// head returns the position of the last cached event.
func (t *tail) head() store.Position {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.last
}

// add caches events that continue the log from the last cached position, and wakes the
// waiting subscribers.
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
		t.ring[int(e.Position)%len(t.ring)] = e
		t.last = e.Position
	}
	t.first = max(t.first, t.last-store.Position(len(t.ring)))
	close(t.changed)
	t.changed = make(chan struct{})
}

// runTailer reads every new commit into the tail, woken by this Store's commits and by
// notifications of other Stores' commits, and at the poll interval in case a notification
// was lost. It ends when ctx does. While the database cannot be read it retries at the poll
// interval; subscribers wait meanwhile. While nobody subscribes it reads nothing; when the
// first subscriber comes, a cache that fell more than its size behind restarts at the head.
func (s *Store) runTailer(ctx context.Context) {
	stale := false
	for {
		wake := s.wake.wait() // before reading, so a commit after the read wakes us
		switch {
		case s.subscribers.Load() == 0:
			stale = true
		case stale:
			var head int64
			if err := s.pool.QueryRow(ctx, s.sql.head).Scan(&head); err != nil {
				break
			}
			if store.Position(head)-s.tail.head() > store.Position(len(s.tail.ring)) {
				s.tail.reset(store.Position(head))
			}
			stale = false
			fallthrough
		default:
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
func (s *Store) readTail(ctx context.Context) {
	for {
		page, err := s.page(ctx, "tail", s.sql.readAll, int64(s.tail.head()), s.opts.page)
		if err != nil {
			return
		}
		s.tail.add(page)
		if len(page) < s.opts.page {
			return
		}
	}
}
