package postgres

import (
	"context"
	"fmt"
	"iter"

	"github.com/eventgraph/eventgraph/store"
)

// Subscribe yields every event with Position > after: first the history, then new events
// as they are committed — through this Store or any other on the same schema — with no gap
// and no duplicate, until ctx ends (yielding its error) or the store is closed (yielding
// store.ErrClosed).
//
// A subscriber behind the Store's cache of recent events (WithTailSize) reads the table by
// position, in pages; once it has caught up it takes new events from the cache, which one
// tailer per Store fills with one query per commit, however many subscribers there are. It
// holds no connection and no buffer of its own while it waits or while the caller handles
// an event, so a slow subscriber costs the store nothing: if it falls behind the cache, it
// reads the table again.
func (s *Store) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		from := max(after, 0)
		for {
			if s.closed() {
				yield(store.Event{}, fmt.Errorf("postgres: subscribe: %w", store.ErrClosed))
				return
			}
			events, cached, wait := s.tail.since(from, s.opts.page)
			if !cached {
				page, err := s.page(ctx, "subscribe", s.sql.readAll, int64(from), s.opts.page)
				if err != nil {
					yield(store.Event{}, err)
					return
				}
				events = page
			}
			for _, e := range events {
				if err := ctx.Err(); err != nil {
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
