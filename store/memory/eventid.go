package memory

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.EventIDReader = (*Store)(nil)

// EventIDAt returns the id of the event at position p (see store.EventIDReader).
func (s *Store) EventIDAt(ctx context.Context, p store.Position) (string, bool, error) {
	if err := s.check(ctx); err != nil {
		return "", false, fmt.Errorf("memory: event id at %d: %w", p, err)
	}
	log := s.snapshot()
	if p < 1 || p > store.Position(log.len()) {
		return "", false, nil
	}
	return log.event(int(p-1), true).ID, true, nil
}
