package jsonl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// CheckpointFile is the name of the file, in a store's directory, that keeps checkpoints
// (see store.Checkpointer): a JSON object of each name's positions and event ids. It is not
// part of the log: deleting it only makes sagas read the log from its start again.
const CheckpointFile = "checkpoints.json"

// errCheckpointsInvalid marks a CheckpointFile that is not a JSON object of checkpoints.
var errCheckpointsInvalid = errors.New("is not valid")

// checkpoints holds a store's checkpoints, read from CheckpointFile when first needed.
// Its own lock keeps a slow save (a write, a sync and a rename) from holding up appends.
type checkpoints struct {
	mu     sync.Mutex
	loaded bool
	byName map[string]checkpointJSON
	closed bool // set by Close, which waits for a save in flight
}

type checkpointJSON struct {
	Position    int64  `json:"position"`
	EventID     string `json:"eventId"`
	Head        int64  `json:"head"`
	HeadEventID string `json:"headEventId"`
}

func (c checkpointJSON) checkpoint() store.Checkpoint {
	return store.Checkpoint{
		Position: store.Position(c.Position), EventID: c.EventID,
		Head: store.Position(c.Head), HeadEventID: c.HeadEventID,
	}
}

// Checkpoint returns the checkpoint saved under name (see store.Checkpointer). A
// CheckpointFile that cannot be read or is not valid is an error.
func (s *Store) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return store.Checkpoint{}, err
	}
	if err := store.CheckCheckpoint(name, store.Checkpoint{}); err != nil {
		return store.Checkpoint{}, fmt.Errorf("jsonl: checkpoint: %w", err)
	}
	cp := &s.checkpoints
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if err := s.loadCheckpoints(); err != nil {
		return store.Checkpoint{}, err
	}
	return cp.byName[name].checkpoint(), nil
}

// Checkpoints returns every checkpoint saved, by name: for tools that copy a store with its
// positions (cmd/migrate), whose copy the checkpoints fit too. Errors as for Checkpoint.
func (s *Store) Checkpoints(ctx context.Context) (map[string]store.Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cp := &s.checkpoints
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if err := s.loadCheckpoints(); err != nil {
		return nil, err
	}
	out := make(map[string]store.Checkpoint, len(cp.byName))
	for name, c := range cp.byName {
		out[name] = c.checkpoint()
	}
	return out, nil
}

// SaveCheckpoint saves c under name (see store.Checkpointer): it writes the whole
// CheckpointFile anew beside the old one, syncs it (unless WithNoSync) and renames it over
// the old one, so a crash leaves either the old file or the new one, whole. A Store opened
// with OpenReadOnly fails with ErrReadOnly.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, c store.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckCheckpoint(name, c); err != nil {
		return fmt.Errorf("jsonl: save checkpoint: %w", err)
	}
	if s.readOnly {
		return fmt.Errorf("jsonl: save checkpoint: %w", s.readOnlyErr())
	}
	cp := &s.checkpoints
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if err := s.loadCheckpoints(); err != nil {
		if !errors.Is(err, errCheckpointsInvalid) {
			return err // e.g. the file could not be read: it may hold other names' checkpoints
		}
		// A file that is not valid holds nothing worth keeping: the new one replaces it.
		cp.byName, cp.loaded = make(map[string]checkpointJSON), true
	}
	cp.byName[name] = checkpointJSON{Position: int64(c.Position), EventID: c.EventID, Head: int64(c.Head), HeadEventID: c.HeadEventID}
	b, err := json.MarshalIndent(cp.byName, "", "  ")
	if err != nil {
		return fmt.Errorf("jsonl: save checkpoint: %w", err)
	}
	if err := s.writeCheckpoints(append(b, '\n')); err != nil {
		delete(cp.byName, name) // what the file holds is no longer known: read it again
		cp.loaded = false
		return fmt.Errorf("jsonl: save checkpoint: %w", err)
	}
	return nil
}

// loadCheckpoints reads CheckpointFile once. Called with s.checkpoints.mu held.
func (s *Store) loadCheckpoints() error {
	cp := &s.checkpoints
	if cp.closed {
		return fmt.Errorf("jsonl: checkpoints: %w", store.ErrClosed)
	}
	if cp.loaded {
		return nil
	}
	path := filepath.Join(s.dir, CheckpointFile)
	b, err := readFileIn(s.dir, CheckpointFile)
	byName := make(map[string]checkpointJSON)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("jsonl: checkpoints: %w", err)
	default:
		if err := json.Unmarshal(b, &byName); err != nil {
			return fmt.Errorf("jsonl: checkpoints: %s %w: %w", path, errCheckpointsInvalid, err)
		}
		if byName == nil { // the file held null
			byName = make(map[string]checkpointJSON)
		}
	}
	cp.byName, cp.loaded = byName, true
	return nil
}

// writeCheckpoints replaces CheckpointFile with b. Called with s.checkpoints.mu held.
func (s *Store) writeCheckpoints(b []byte) error {
	return replaceFile(s.dir, CheckpointFile, b, !s.noSync)
}

// closeCheckpoints makes later calls fail with ErrClosed, after a save in flight.
func (s *Store) closeCheckpoints() {
	s.checkpoints.mu.Lock()
	s.checkpoints.closed = true
	s.checkpoints.mu.Unlock()
}
