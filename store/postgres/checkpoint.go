package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.Checkpointer = (*Store)(nil)

// Checkpoint returns the checkpoint saved under name (see store.Checkpointer), by this
// server or another on the same schema.
func (s *Store) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	if s.closed() {
		return store.Checkpoint{}, fmt.Errorf("postgres: checkpoint: %w", store.ErrClosed)
	}
	if err := store.CheckCheckpoint(name, store.Checkpoint{}); err != nil {
		return store.Checkpoint{}, fmt.Errorf("postgres: checkpoint: %w", err)
	}
	var c store.Checkpoint
	var pos, head int64
	var id, headID []byte
	err := s.onLiveConnection(ctx, func() error {
		return s.pool.QueryRow(ctx, s.sql.checkpoint, name).Scan(&pos, &id, &head, &headID)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Checkpoint{}, nil
	case err != nil:
		return store.Checkpoint{}, s.fail(ctx, "checkpoint", err)
	}
	c.Position, c.EventID, c.Head, c.HeadEventID = store.Position(pos), string(id), store.Position(head), string(headID)
	return c, nil
}

// SaveCheckpoint saves c under name (see store.Checkpointer). Servers on one schema share
// their sagas' checkpoints, and an event one server's saga handled counts as handled (the
// others' commands for it are duplicates): so the checkpoint kept is the one further on, c
// or the one saved before, unless the one before names events the log does not hold. A
// store that failed (ErrFailed) saves none.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, c store.Checkpoint) error {
	if s.closed() {
		return fmt.Errorf("postgres: save checkpoint: %w", store.ErrClosed)
	}
	if err := s.failure.get(); err != nil {
		// The checkpoint names what the reader handled of the log as it was: a position
		// that the log lost, or that another event took since (see ErrFailed).
		return fmt.Errorf("postgres: save checkpoint: %w", err)
	}
	if err := store.CheckCheckpoint(name, c); err != nil {
		return fmt.Errorf("postgres: save checkpoint: %w", err)
	}
	err := s.onLiveConnection(ctx, func() error {
		_, err := s.pool.Exec(ctx, s.sql.saveCheckpoint, name, int64(c.Position), []byte(c.EventID), int64(c.Head), []byte(c.HeadEventID))
		return err
	})
	if err != nil {
		return s.fail(ctx, "save checkpoint", err)
	}
	return nil
}
