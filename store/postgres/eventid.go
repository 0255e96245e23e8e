package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.EventIDReader = (*Store)(nil)

// EventIDAt returns the id of the event at position p (see store.EventIDReader): one row's
// id by the primary key, not a page of events with their data.
func (s *Store) EventIDAt(ctx context.Context, p store.Position) (string, bool, error) {
	const op = "event id"
	if err := ctx.Err(); err != nil {
		return "", false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return "", false, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	if p < 1 {
		return "", false, nil
	}
	ctx, cancel := s.untilClosed(ctx)
	defer cancel()
	var id []byte
	err := s.onLiveConnection(ctx, func() error { return s.pool.QueryRow(ctx, s.sql.eventID, int64(p)).Scan(&id) })
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, s.fail(ctx, op, err)
	}
	return string(id), true, nil
}
