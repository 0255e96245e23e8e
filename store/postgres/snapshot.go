package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.Snapshotter = (*Store)(nil)

// Snapshot returns the snapshot saved for stream (see store.Snapshotter), by this server
// or another on the same schema.
func (s *Store) Snapshot(ctx context.Context, stream string) (store.Snapshot, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Snapshot{}, false, err
	}
	if s.closed() {
		return store.Snapshot{}, false, fmt.Errorf("postgres: snapshot: %w", store.ErrClosed)
	}
	var version int64
	var id, revision, state []byte
	err := s.onLiveConnection(ctx, func() error {
		return s.pool.QueryRow(ctx, s.sql.snapshot, []byte(stream)).Scan(&version, &id, &revision, &state)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.Snapshot{}, false, nil
	case err != nil:
		return store.Snapshot{}, false, s.fail(ctx, "snapshot", err)
	}
	snap := store.Snapshot{Version: store.Version(version), EventID: string(id), Revision: string(revision), State: state}
	if store.CheckSnapshot(stream, snap) != nil {
		// A row no save would have written (edited by hand, or by a program of its own):
		// a reader trusts a snapshot's state to be JSON (eventsourcing hands it to the
		// state's UnmarshalJSON as it is), so it is no snapshot, as a damaged file is
		// none in the JSONL store.
		return store.Snapshot{}, false, nil
	}
	return snap, true, nil
}

// SaveSnapshot saves snap for stream (see store.Snapshotter). Servers on one schema share
// snapshots; the rule that keeps a further-on snapshot of the same revision
// (store.KeepsSnapshot) is applied by the database in the one statement that saves, so a
// slower server never moves a snapshot back. Besides the snapshots store.CheckSnapshot
// refuses, it refuses with store.ErrInvalid a stream id over MaxStreamIDBytes, as Append
// does: no stream of this store has one. A store that failed (ErrFailed) saves none.
func (s *Store) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckSnapshot(stream, snap); err != nil {
		return err
	}
	// The snapshots table is keyed by stream id, as the events' (stream_id, version) index
	// is: the same limit.
	if len(stream) > MaxStreamIDBytes {
		return fmt.Errorf("postgres: save snapshot: %w: stream id of %d bytes, over the limit of %d", store.ErrInvalid, len(stream), MaxStreamIDBytes)
	}
	if s.closed() {
		return fmt.Errorf("postgres: save snapshot: %w", store.ErrClosed)
	}
	if err := s.failure.get(); err != nil {
		// The state was folded from the log as it was, maybe from events it lost (see
		// ErrFailed).
		return fmt.Errorf("postgres: save snapshot: %w", err)
	}
	err := s.onLiveConnection(ctx, func() error {
		_, err := s.pool.Exec(ctx, s.sql.saveSnapshot, []byte(stream), int64(snap.Version),
			[]byte(snap.EventID), []byte(snap.Revision), []byte(snap.State))
		return err
	})
	if err != nil {
		return s.fail(ctx, "save snapshot", err)
	}
	return nil
}
