package memory

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

var _ store.Checkpointer = (*Store)(nil)

// Checkpoint returns the checkpoint saved under name (see store.Checkpointer). The memory
// store keeps checkpoints as long as it keeps events: a Runner started again on the same
// Store resumes its sagas where the last one left them.
func (s *Store) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return store.Checkpoint{}, err
	}
	if err := store.CheckCheckpoint(name, store.Checkpoint{}); err != nil {
		return store.Checkpoint{}, fmt.Errorf("memory: checkpoint: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed.Load() {
		return store.Checkpoint{}, fmt.Errorf("memory: checkpoint: %w", store.ErrClosed)
	}
	return s.checkpoints[name], nil
}

// SaveCheckpoint saves c under name (see store.Checkpointer).
func (s *Store) SaveCheckpoint(ctx context.Context, name string, c store.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckCheckpoint(name, c); err != nil {
		return fmt.Errorf("memory: save checkpoint: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return fmt.Errorf("memory: save checkpoint: %w", store.ErrClosed)
	}
	if s.checkpoints == nil {
		s.checkpoints = make(map[string]store.Checkpoint)
	}
	s.checkpoints[name] = c
	return nil
}
