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
// and no duplicate, until ctx ends (yielding its error) or the store is closed (yielding
// store.ErrClosed).
//
// The subscriber reads the events from the table by position, in pages; when it has caught
// up it waits for a notification of a new commit or for the poll interval to pass. It holds
// no connection and no buffer while it waits or while the caller handles an event, so a
// slow subscriber costs the store nothing.
func (s *Store) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		from := max(after, 0)
		for {
			wake := s.wake.wait() // before reading, so a commit after the read wakes us
			page, err := s.page(ctx, "subscribe", s.sql.readAll, int64(from), s.opts.page)
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			for _, e := range page {
				if err := ctx.Err(); err != nil {
					yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", err))
					return
				}
				if !yield(e, nil) {
					return
				}
				from = e.Position
			}
			if len(page) == s.opts.page {
				continue // more history
			}
			t := time.NewTimer(s.opts.poll)
			select {
			case <-wake:
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", ctx.Err()))
				return
			case <-s.done:
				t.Stop()
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", store.ErrClosed))
				return
			}
			t.Stop()
		}
	}
}
