package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// StateDir is the name of the subdirectory, in a store's directory, that keeps the
// projections' states (see store.StateKeeper) in one file, StateFile. Like CheckpointFile
// and SnapshotDir it is not part of the log but a cache: it may be deleted at any time, and
// the read models then replay the log from its start. Open does not create it; the first
// SaveProjectionStates does.
const StateDir = "readmodels"

// StateFile is the file in StateDir that holds the set of projections' states: a line of
// JSON (the set's positions and event ids, and each state's name, revision, size in bytes
// and CRC-32C checksum), then each state's bytes, one after the other, as saved.
const StateFile = "states"

// crc32c is the table of the states' checksums (Castagnoli).
var crc32c = crc32.MakeTable(crc32.Castagnoli)

// states serialises a store's saves of projection states. Like the checkpoints they have a
// lock of their own, so a slow save (a write, a sync and a rename) does not hold up appends.
type states struct {
	mu     sync.Mutex
	closed bool // set by Close, which waits for a save in flight
}

// statesHeader is StateFile's first line.
type statesHeader struct {
	Position    int64        `json:"position"`
	EventID     string       `json:"eventId"`
	Head        int64        `json:"head"`
	HeadEventID string       `json:"headEventId"`
	States      []stateEntry `json:"states"`
}

type stateEntry struct {
	Name     string `json:"name"`
	Revision string `json:"revision"`
	Size     int64  `json:"size"`
	CRC32C   uint32 `json:"crc32c"`
}

// ProjectionStates returns the set of projection states saved last (see store.StateKeeper).
// A missing StateFile holds none; one that cannot be read, is cut short or longer than its
// header says, or whose checksums do not match its bytes is an error. It works on a Store
// opened with OpenReadOnly.
func (s *Store) ProjectionStates(ctx context.Context) (store.ProjectionStates, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.ProjectionStates{}, false, err
	}
	if s.isClosed() {
		return store.ProjectionStates{}, false, fmt.Errorf("jsonl: projection states: %w", store.ErrClosed)
	}
	dir := filepath.Join(s.dir, StateDir)
	b, err := readFileIn(dir, StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return store.ProjectionStates{}, false, nil
	}
	if err != nil {
		return store.ProjectionStates{}, false, fmt.Errorf("jsonl: projection states: %w", err)
	}
	ps, err := decodeStates(b)
	if err != nil {
		return store.ProjectionStates{}, false, fmt.Errorf("jsonl: projection states: %s: %w", filepath.Join(dir, StateFile), err)
	}
	return ps, true, nil
}

// SaveProjectionStates saves ps (see store.StateKeeper): it writes StateFile anew beside the
// old one, syncs it (unless WithNoSync) and renames it over the old one, then syncs StateDir,
// so a crash leaves either the old set or the new one, whole. It creates StateDir when it is
// missing. A Store opened with OpenReadOnly fails with ErrReadOnly.
func (s *Store) SaveProjectionStates(ctx context.Context, ps store.ProjectionStates) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckProjectionStates(ps); err != nil {
		return fmt.Errorf("jsonl: save projection states: %w", err)
	}
	if s.readOnly {
		return fmt.Errorf("jsonl: save projection states: %w", s.readOnlyErr())
	}
	h := statesHeader{Position: int64(ps.Position), EventID: ps.EventID, Head: int64(ps.Head), HeadEventID: ps.HeadEventID,
		States: make([]stateEntry, len(ps.States))}
	parts := make([][]byte, 1, 1+len(ps.States))
	for i, st := range ps.States {
		h.States[i] = stateEntry{Name: st.Name, Revision: st.Revision, Size: int64(len(st.Data)), CRC32C: crc32.Checksum(st.Data, crc32c)}
		parts = append(parts, st.Data)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("jsonl: save projection states: %w", err)
	}
	parts[0] = append(head, '\n')
	st := &s.states
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return fmt.Errorf("jsonl: save projection states: %w", store.ErrClosed)
	}
	if err := ctx.Err(); err != nil { // it may have ended while another save held the lock
		return err
	}
	dir := filepath.Join(s.dir, StateDir)
	if err := s.makeSubdir(dir); err != nil {
		return fmt.Errorf("jsonl: save projection states: %w", err)
	}
	if err := replaceFileParts(dir, StateFile, parts, !s.noSync); err != nil {
		return fmt.Errorf("jsonl: save projection states: %w", err)
	}
	return nil
}

// decodeStates returns the set StateFile's contents b hold, checked against their checksums.
// The states' Data share b.
func decodeStates(b []byte) (store.ProjectionStates, error) {
	line, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return store.ProjectionStates{}, errors.New("no header line")
	}
	var h statesHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return store.ProjectionStates{}, fmt.Errorf("header: %w", err)
	}
	ps := store.ProjectionStates{Position: store.Position(h.Position), EventID: h.EventID,
		Head: store.Position(h.Head), HeadEventID: h.HeadEventID, States: make([]store.ProjectionState, len(h.States))}
	for i, e := range h.States {
		if e.Size < 0 || e.Size > int64(len(rest)) {
			return store.ProjectionStates{}, fmt.Errorf("state %q of %d bytes: %d left in the file", e.Name, e.Size, len(rest))
		}
		data := rest[:e.Size:e.Size]
		if sum := crc32.Checksum(data, crc32c); sum != e.CRC32C {
			return store.ProjectionStates{}, fmt.Errorf("state %q: checksum %08x, want %08x: damaged", e.Name, sum, e.CRC32C)
		}
		ps.States[i] = store.ProjectionState{Name: e.Name, Revision: e.Revision, Data: data}
		rest = rest[e.Size:]
	}
	if len(rest) > 0 {
		return store.ProjectionStates{}, fmt.Errorf("%d bytes after the last state", len(rest))
	}
	if err := store.CheckProjectionStates(ps); err != nil {
		return store.ProjectionStates{}, err
	}
	return ps, nil
}

// closeStates makes later saves fail with ErrClosed, after a save in flight.
func (s *Store) closeStates() {
	s.states.mu.Lock()
	s.states.closed = true
	s.states.mu.Unlock()
}

var _ store.StateKeeper = (*Store)(nil)
