package memory

import (
	"bytes"
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.Snapshotter = (*Store)(nil)

// Snapshot returns the snapshot saved for stream (see store.Snapshotter). The memory store
// keeps snapshots as long as it keeps events.
func (s *Store) Snapshot(ctx context.Context, stream string) (store.Snapshot, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Snapshot{}, false, err
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.closed.Load() {
		return store.Snapshot{}, false, fmt.Errorf("memory: snapshot: %w", store.ErrClosed)
	}
	snap, ok := s.snapshots[stream]
	snap.State = bytes.Clone(snap.State) // the caller may change what it gets
	return snap, ok, nil
}

// SaveSnapshot saves snap for stream (see store.Snapshotter).
func (s *Store) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckSnapshot(stream, snap); err != nil {
		return err
	}
	snap.State = bytes.Clone(snap.State) // the caller may reuse its buffer
	s.snapMu.Lock()                      // a lock of their own: the check below reads the log
	defer s.snapMu.Unlock()
	if s.closed.Load() {
		return fmt.Errorf("memory: save snapshot: %w", store.ErrClosed)
	}
	if old, ok := s.snapshots[stream]; ok && store.KeepsSnapshot(old, snap) {
		holds, err := store.SnapshotHolds(ctx, s, stream, old)
		if err != nil {
			return fmt.Errorf("memory: save snapshot: %w", err)
		}
		if holds {
			return nil
		}
	}
	if s.snapshots == nil {
		s.snapshots = make(map[string]store.Snapshot)
	}
	s.snapshots[stream] = snap
	return nil
}
