package jsonl

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.EventIDReader = (*Store)(nil)

// EventIDAt returns the id of the event at position p (see store.EventIDReader): from the
// tail cache when it holds the event, else read from the event's line alone.
func (s *Store) EventIDAt(ctx context.Context, p store.Position) (string, bool, error) {
	s.mu.RLock()
	closed, entries := s.closed, s.idx.entries
	s.mu.RUnlock()
	if closed {
		return "", false, fmt.Errorf("jsonl: event id at %d: %w", p, store.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	if p < 1 || p > store.Position(entries.len()) {
		return "", false, nil
	}
	var (
		id   string
		ok   bool
		rerr error
	)
	yield := func(e store.Event, err error) bool {
		id, ok, rerr = e.ID, err == nil, err
		return false
	}
	r := reader{s: s, ctx: ctx, shared: true}
	if n, more := r.cached(int(p)-1, 1, yield); n == 0 && more {
		r.read([]entry{entries.at(int(p) - 1)}, yield)
	}
	if rerr != nil {
		return "", false, rerr
	}
	return id, ok, nil
}
