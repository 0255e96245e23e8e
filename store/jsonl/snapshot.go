package jsonl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// SnapshotDir is the name of the subdirectory, in a store's directory, that keeps snapshots
// of streams' states (see store.Snapshotter). It holds one file per stream, named by the
// lower-case hex SHA-256 of the stream id followed by ".json": one JSON object of the stream
// id, the snapshot's version, event id and revision, and its state, written as saved. Like
// CheckpointFile it is not part of the log but a cache: it may be deleted at any time, and
// handlers then fold streams from the log. Open does not create it; the first SaveSnapshot
// does.
const SnapshotDir = "snapshots"

// snapshotTail ends a snapshot file, after the state.
const snapshotTail = "}\n"

// snapshots serialises a store's snapshot saves. Like the checkpoints they have a lock of
// their own, so a slow save (a write, a sync and a rename) does not hold up appends.
type snapshots struct {
	mu     sync.Mutex
	closed bool // set by Close, which waits for a save in flight
}

// snapshotHeader is what a snapshot file holds besides the state, in the order written.
type snapshotHeader struct {
	Stream   string `json:"stream"`
	Version  int64  `json:"version"`
	EventID  string `json:"eventId"`
	Revision string `json:"revision"`
}

// snapshotFile is the JSON object of a snapshot file.
type snapshotFile struct {
	snapshotHeader
	State json.RawMessage `json:"state"`
}

// Snapshot returns the snapshot saved for stream (see store.Snapshotter). A missing file,
// one that is not a valid snapshot and one of another stream (whose id has the same hash)
// hold no snapshot; a file that cannot be read is an error. It works on a Store opened with
// OpenReadOnly.
func (s *Store) Snapshot(ctx context.Context, stream string) (store.Snapshot, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.Snapshot{}, false, err
	}
	if s.isClosed() {
		return store.Snapshot{}, false, fmt.Errorf("jsonl: snapshot: %w", store.ErrClosed)
	}
	snap, ok, err := s.readSnapshot(stream)
	if err != nil {
		return store.Snapshot{}, false, fmt.Errorf("jsonl: snapshot: %w", err)
	}
	return snap, ok, nil
}

// SaveSnapshot saves snap for stream (see store.Snapshotter), unless the snapshot already
// saved for stream has the same revision and a higher version. It writes the stream's file
// anew beside the old one, syncs it (unless WithNoSync) and renames it over the old one, so
// a crash leaves either the old file or the new one, whole. It creates SnapshotDir when it
// is missing. A Store opened with OpenReadOnly fails with ErrReadOnly.
func (s *Store) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckSnapshot(stream, snap); err != nil {
		return fmt.Errorf("jsonl: save snapshot: %w", err)
	}
	if s.readOnly {
		return fmt.Errorf("jsonl: save snapshot: %w", s.readOnlyErr())
	}
	b, err := encodeSnapshot(stream, snap)
	if err != nil {
		return fmt.Errorf("jsonl: save snapshot: %w", err)
	}
	sn := &s.snapshots
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.closed {
		return fmt.Errorf("jsonl: save snapshot: %w", store.ErrClosed)
	}
	if err := ctx.Err(); err != nil { // it may have ended while another save held the lock
		return err
	}
	keep, err := s.keepsSnapshot(ctx, stream, snap)
	if err != nil {
		return fmt.Errorf("jsonl: save snapshot: %w", err)
	}
	if keep {
		return nil
	}
	if err := s.writeSnapshot(stream, b); err != nil {
		return fmt.Errorf("jsonl: save snapshot: %w", err)
	}
	return nil
}

// isClosed reports whether Close was called.
func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// snapshotName returns the name of stream's file in SnapshotDir.
func snapshotName(stream string) string {
	sum := sha256.Sum256([]byte(stream))
	return hex.EncodeToString(sum[:]) + ".json"
}

// readSnapshot reads stream's snapshot file: ok is false when it is missing or holds no
// valid snapshot of stream (see decodeSnapshot).
func (s *Store) readSnapshot(stream string) (snap store.Snapshot, ok bool, err error) {
	b, err := readFileIn(filepath.Join(s.dir, SnapshotDir), snapshotName(stream))
	if errors.Is(err, fs.ErrNotExist) {
		return store.Snapshot{}, false, nil
	}
	if err != nil {
		return store.Snapshot{}, false, err
	}
	snap, ok = decodeSnapshot(stream, b)
	return snap, ok, nil
}

// keepsSnapshot reports whether the snapshot saved for stream is to be kept when snap is
// saved (store.KeepsSnapshot, store.SnapshotHolds). Most saves replace the one before, and
// for them only the file's header is decoded: a state can be megabytes, and decoding the
// old one was most of a save's time.
func (s *Store) keepsSnapshot(ctx context.Context, stream string, snap store.Snapshot) (bool, error) {
	b, err := readFileIn(filepath.Join(s.dir, SnapshotDir), snapshotName(stream))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if h, _, ok := splitSnapshot(b); ok && (h.Stream != stream ||
		!store.KeepsSnapshot(store.Snapshot{Version: store.Version(h.Version), Revision: h.Revision}, snap)) {
		return false, nil
	}
	old, ok := decodeSnapshot(stream, b)
	if !ok || !store.KeepsSnapshot(old, snap) {
		return false, nil
	}
	return store.SnapshotHolds(ctx, s, stream, old)
}

// snapshotHead returns the bytes a snapshot file of h starts with: its JSON object up to
// the state's key and colon.
func snapshotHead(h snapshotHeader) ([]byte, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	return append(b[:len(b)-1], `,"state":`...), nil // b ends with the object's '}'
}

// encodeSnapshot returns the contents of stream's snapshot file for snap: its head, then
// the state as it is (json.Marshal would compact it), then snapshotTail.
func encodeSnapshot(stream string, snap store.Snapshot) ([]byte, error) {
	head, err := snapshotHead(snapshotHeader{
		Stream: stream, Version: int64(snap.Version), EventID: snap.EventID, Revision: snap.Revision,
	})
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(head)+len(snap.State)+len(snapshotTail))
	b = append(b, head...)
	b = append(b, snap.State...)
	return append(b, snapshotTail...), nil
}

// decodeSnapshot returns the snapshot of stream that b, a snapshot file, holds. ok is false
// when b is not one JSON object, is of another stream, or holds a snapshot that
// store.CheckSnapshot refuses. The state is the bytes between the head and the tail that
// encodeSnapshot writes, surrounding spaces included, when b is laid out so; otherwise (a
// file written by hand) it is the state's JSON value.
func decodeSnapshot(stream string, b []byte) (store.Snapshot, bool) {
	h, state, ok := splitSnapshot(b)
	if !ok {
		var f snapshotFile
		if err := json.Unmarshal(b, &f); err != nil {
			return store.Snapshot{}, false
		}
		h, state = f.snapshotHeader, f.State
	}
	if h.Stream != stream {
		return store.Snapshot{}, false
	}
	snap := store.Snapshot{Version: store.Version(h.Version), EventID: h.EventID, Revision: h.Revision, State: state}
	if store.CheckSnapshot(stream, snap) != nil { // it checks the state is one JSON value
		return store.Snapshot{}, false
	}
	return snap, true
}

// stateKey ends a snapshot file's head. A quote inside a JSON string is escaped, so the
// first occurrence of these bytes in a file encodeSnapshot wrote is the one after the
// header.
const stateKey = `,"state":`

// splitSnapshot returns the header and the state of b when b is laid out as encodeSnapshot
// writes it: the head snapshotHead writes for its header, the state, snapshotTail. It
// decodes only the header, which is what lets a large state be read in one pass (by
// store.CheckSnapshot) rather than two (encoding/json checks a whole document before it
// decodes one), and a save look at the old file's header alone. It does not check the
// state.
func splitSnapshot(b []byte) (h snapshotHeader, state []byte, ok bool) {
	i := bytes.Index(b, []byte(stateKey))
	if i < 0 || !bytes.HasSuffix(b[i:], []byte(snapshotTail)) {
		return snapshotHeader{}, nil, false
	}
	if json.Unmarshal(append(b[:i:i], '}'), &h) != nil {
		return snapshotHeader{}, nil, false
	}
	head := b[:i+len(stateKey)]
	if want, err := snapshotHead(h); err != nil || !bytes.Equal(want, head) {
		return snapshotHeader{}, nil, false
	}
	return h, b[len(head) : len(b)-len(snapshotTail)], true
}

// writeSnapshot makes b stream's snapshot file, creating SnapshotDir when it is missing.
// Called with s.snapshots.mu held.
func (s *Store) writeSnapshot(stream string, b []byte) error {
	dir := filepath.Join(s.dir, SnapshotDir)
	if err := s.makeSubdir(dir); err != nil {
		return err
	}
	return replaceFile(dir, snapshotName(stream), b, !s.noSync)
}

// makeSubdir creates dir, a subdirectory of the store's (SnapshotDir, StateDir), unless it exists, and syncs the store's
// directory (unless WithNoSync) so that the new entry lasts. When the sync fails it removes
// dir again, so the next save retries. A regular file in its place is not reported here:
// writing a file in it then fails.
func (s *Store) makeSubdir(dir string) error {
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.noSync {
		return nil
	}
	if err := syncDir(s.dir); err != nil {
		_ = os.Remove(dir)
		return err
	}
	return nil
}

// closeSnapshots makes later saves fail with ErrClosed, after a save in flight.
func (s *Store) closeSnapshots() {
	s.snapshots.mu.Lock()
	s.snapshots.closed = true
	s.snapshots.mu.Unlock()
}
