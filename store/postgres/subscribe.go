package postgres

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// Subscribe yields every event with Position > after: first the history, then new events
// as they are committed — through this Store or any other on the same schema — with no gap
// and no duplicate, until ctx ends (yielding its error), the store is closed (yielding
// store.ErrClosed) or it fails because the log lost events under it (yielding an error
// wrapping ErrFailed).
//
// A failed read of the table (a dropped connection, a database restart) is retried for up
// to the store's retry window (WithRetryWindow) before the subscription yields the error.
// A subscriber that has caught up reads nothing while no event comes, so an outage while it
// waits fails none of its reads: it waits on, and goes on once the database is back (the
// store's tailer, which fills its cache, retries meanwhile).
//
// A subscriber behind the Store's cache of recent events (WithTailSize, WithTailBytes) reads
// the table by position, in pages; once it has caught up it takes new events from the cache,
// which one tailer per Store fills with one query per commit, however many subscribers there
// are. It holds no connection while it waits or while the caller handles an event, and no
// buffer but the page it is handing out (WithPageSize, WithPageBytes), so a slow subscriber
// costs the store little: if it falls behind the cache, it reads the table again.
func (s *Store) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if s.subscribers.Add(1) == 1 {
			s.wake.broadcast() // the tailer reads nothing while nobody subscribes
		}
		defer func() {
			if s.subscribers.Add(-1) == 0 {
				// An idle Store keeps no events. The tailer, woken, drops those a read in
				// flight adds after this.
				s.tail.drop()
				s.wake.broadcast()
			}
		}()
		from := max(after, 0)
		for {
			if s.closed() {
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", store.ErrClosed))
				return
			}
			if err := s.Failed(); err != nil {
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", err))
				return
			}
			events, cached, wait := s.tail.since(from, s.opts.page, s.opts.pageBytes)
			if !cached {
				page, err := s.pageRetrying(ctx, from)
				if err != nil {
					yield(store.Event{}, err)
					return
				}
				events = page
			}
			for _, e := range events {
				err := s.readErr(ctx)
				if err == nil {
					err = s.Failed()
				}
				if err != nil {
					yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", err))
					return
				}
				if !yield(e, nil) {
					return
				}
				from = e.Position
			}
			if len(events) > 0 || wait == nil {
				continue
			}
			select {
			case <-wait:
			case <-s.failure.done: // the loop's start yields why
			case <-ctx.Done():
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", ctx.Err()))
				return
			case <-s.done:
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", store.ErrClosed))
				return
			}
		}
	}
}

// pageRetrying reads the page of the log after from, retrying a failure with a growing
// delay until the retry window has passed, ctx ends or the store is closed.
func (s *Store) pageRetrying(ctx context.Context, from store.Position) ([]store.Event, error) {
	deadline := time.Now().Add(s.opts.retry)
	delay := 50 * time.Millisecond
	for {
		page, _, err := s.page(ctx, "subscribe", s.sql.readAll, int64(from))
		if err == nil || ctx.Err() != nil || s.closed() || time.Now().After(deadline) {
			return page, err
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		case <-s.done:
			t.Stop()
		}
		delay = min(2*delay, 2*time.Second)
	}
}
