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

var _ store.EventIDsReader = (*Store)(nil)

// maxEventIDs bounds the positions one query of EventIDsAt asks for: more are asked for in
// several, so that no statement carries an array of unbounded size.
const maxEventIDs = 1000

// EventIDsAt returns the ids of the events at the positions ps (see store.EventIDsReader):
// one query by the primary key for up to maxEventIDs positions, where EventIDAt would make
// a round trip for each.
func (s *Store) EventIDsAt(ctx context.Context, ps []store.Position) (map[store.Position]string, error) {
	const op = "event ids"
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return nil, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	want := make([]int64, 0, len(ps))
	seen := make(map[store.Position]bool, len(ps))
	for _, p := range ps {
		if p >= 1 && !seen[p] {
			seen[p] = true
			want = append(want, int64(p))
		}
	}
	ids := make(map[store.Position]string, len(want))
	if len(want) == 0 {
		return ids, nil
	}
	ctx, cancel := s.untilClosed(ctx)
	defer cancel()
	for len(want) > 0 {
		chunk := want[:min(len(want), maxEventIDs)]
		want = want[len(chunk):]
		err := s.onLiveConnection(ctx, func() error {
			rows, err := s.pool.Query(ctx, s.sql.eventIDs, chunk)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var p int64
				var id []byte
				if err := rows.Scan(&p, &id); err != nil {
					return err
				}
				ids[store.Position(p)] = string(id)
			}
			return rows.Err()
		})
		if err != nil {
			return nil, s.fail(ctx, op, err)
		}
	}
	return ids, nil
}
