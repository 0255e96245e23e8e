package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.StateKeeper = (*Store)(nil)

// ProjectionStates returns the set of the read models' states saved last (see
// store.StateKeeper), by this server or another on the same schema: one row of the table
// projection_states (migration 9). A row that store.CheckProjectionStates refuses, or whose
// arrays differ in length, was written by no save (edited by hand) and is an error: the
// caller replays the log.
func (s *Store) ProjectionStates(ctx context.Context) (store.ProjectionStates, bool, error) {
	const op = "projection states"
	if err := ctx.Err(); err != nil {
		return store.ProjectionStates{}, false, err
	}
	if s.closed() {
		return store.ProjectionStates{}, false, fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	var pos, head int64
	var id, headID []byte
	var names, revisions, states [][]byte
	err := s.onLiveConnection(ctx, func() error {
		return s.pool.QueryRow(ctx, s.sql.projectionStates).Scan(&pos, &id, &head, &headID, &names, &revisions, &states)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.ProjectionStates{}, false, nil
	case err != nil:
		return store.ProjectionStates{}, false, s.fail(ctx, op, err)
	case len(names) != len(revisions) || len(names) != len(states):
		return store.ProjectionStates{}, false, fmt.Errorf("postgres: %s: %d names, %d revisions and %d states: not a set any save wrote", op, len(names), len(revisions), len(states))
	}
	ps := store.ProjectionStates{Position: store.Position(pos), EventID: string(id), Head: store.Position(head), HeadEventID: string(headID),
		States: make([]store.ProjectionState, len(names))}
	for i := range names {
		ps.States[i] = store.ProjectionState{Name: string(names[i]), Revision: string(revisions[i]), Data: states[i]}
	}
	if err := store.CheckProjectionStates(ps); err != nil {
		return store.ProjectionStates{}, false, fmt.Errorf("postgres: %s: not a set any save wrote: %w", op, err)
	}
	return ps, true, nil
}

// SaveProjectionStates saves ps (see store.StateKeeper) in one statement, which replaces the
// set before, whole, or leaves it. Servers on one schema share the set, as they fold the
// same log: the save keeps a set further on than ps whose events the log holds, so that a
// slower server does not move it back (its read models load the other's states as well as
// their own). The set lives in one row, so its states together may not pass PostgreSQL's
// limit on a field, 1 GB. A store that failed (ErrFailed) saves none.
func (s *Store) SaveProjectionStates(ctx context.Context, ps store.ProjectionStates) error {
	const op = "save projection states"
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckProjectionStates(ps); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	if s.closed() {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrClosed)
	}
	if err := s.failure.get(); err != nil {
		// The states were folded from the log as it was, maybe from events it lost (see
		// ErrFailed).
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	names := make([][]byte, len(ps.States))
	revisions := make([][]byte, len(ps.States))
	states := make([][]byte, len(ps.States))
	for i, st := range ps.States {
		names[i], revisions[i], states[i] = nonNil([]byte(st.Name)), nonNil([]byte(st.Revision)), nonNil(st.Data)
	}
	err := s.onLiveConnection(ctx, func() error {
		_, err := s.pool.Exec(ctx, s.sql.saveProjectionStates, int64(ps.Position), []byte(ps.EventID), int64(ps.Head), []byte(ps.HeadEventID),
			names, revisions, states)
		return err
	})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// nonNil returns b, or an empty slice for nil, which pgx would send as an SQL NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
