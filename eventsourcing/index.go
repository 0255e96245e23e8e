package eventsourcing

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// CommandRecord is what the log says about one command id: the events its first use wrote.
type CommandRecord struct {
	StreamID     string
	FirstVersion store.Version  // the version of the command's first event
	LastVersion  store.Version  // the version of its last event
	Position     store.Position // the position of its last event
	Hash         string         // the command's fingerprint (see Fingerprint)
}

// CommandIndex maps command ids to the events they wrote, read from the events' metadata,
// so idempotency lives in the log and survives restarts. Create one per store and share it
// between every handler of that store (WithCommandIndex).
//
// The index catches up with the log on demand, reading only the events appended since its
// last catch-up. It keeps in memory only where each command of the log starts: a 64-bit
// hash of the command id and the position of the command's first event (about 30 bytes a
// command). Lookup reads the rest back from the log, and checks the command id there, so
// two ids with the same hash are told apart by the log.
type CommandIndex struct {
	store store.Store
	hash  func(id string) uint64 // a field so that a test can force collisions
	ids   keyedLock              // serialises the handling of one command id in this process
	sem   chan struct{}          // serialises catch-up

	mu      sync.RWMutex
	starts  map[uint64]store.Position   // id hash -> the first event of a command with that hash
	more    map[uint64][]store.Position // further commands with a hash already in starts (rare)
	indexed store.Position              // every event up to here is indexed
	last    batchEnd                    // the last event indexed by catch-up
}

// batchEnd is an event read by catch-up, to tell the next event of the same command (a batch
// takes consecutive versions and positions) from the first event of another. Only catch-up
// uses it, under sem.
type batchEnd struct {
	commandID, stream string
	version           store.Version
	position          store.Position
}

// NewCommandIndex returns an empty index over s; it reads the log on first use.
func NewCommandIndex(s store.Store) *CommandIndex {
	seed := maphash.MakeSeed()
	return &CommandIndex{
		store:  s,
		hash:   func(id string) uint64 { return maphash.String(seed, id) },
		sem:    make(chan struct{}, 1),
		starts: make(map[uint64]store.Position),
	}
}

// Lookup catches up with the log and returns the record of the command id, if any.
func (x *CommandIndex) Lookup(ctx context.Context, commandID string) (CommandRecord, bool, error) {
	if err := x.catchUp(ctx); err != nil {
		return CommandRecord{}, false, err
	}
	// The first use of the id is the candidate with the lowest position that the log says
	// was written by this id; the others are other ids with the same hash, or later uses.
	candidates := x.candidates(x.hash(commandID))
	slices.Sort(candidates)
	for _, p := range candidates {
		r, ok, err := x.read(ctx, commandID, p)
		if err != nil || ok {
			return r, ok, err
		}
	}
	return CommandRecord{}, false, nil
}

// candidates returns the positions of the commands whose id hashes to h.
func (x *CommandIndex) candidates(h uint64) []store.Position {
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.starts[h]
	if !ok {
		return nil
	}
	return append([]store.Position{p}, x.more[h]...)
}

// read reads the command that starts at position p from the log; ok is false when the
// event there was written by another command id.
func (x *CommandIndex) read(ctx context.Context, commandID string, p store.Position) (r CommandRecord, ok bool, err error) {
	for e, err := range x.store.ReadAll(ctx, p-1) {
		if err != nil {
			return CommandRecord{}, false, &StoreError{Op: "read log", Stream: "", Err: err}
		}
		if !ok {
			if e.Position != p || e.Metadata[MetadataCommandID] != commandID {
				return CommandRecord{}, false, nil
			}
			r = CommandRecord{
				StreamID: e.StreamID, FirstVersion: e.Version, LastVersion: e.Version,
				Position: e.Position, Hash: e.Metadata[MetadataCommandHash],
			}
			ok = true
			continue
		}
		if e.StreamID != r.StreamID || e.Version != r.LastVersion+1 || e.Position != r.Position+1 ||
			e.Metadata[MetadataCommandID] != commandID {
			break
		}
		r.LastVersion, r.Position = e.Version, e.Position
	}
	return r, ok, nil
}

// catchUp indexes every event appended since the last catch-up.
func (x *CommandIndex) catchUp(ctx context.Context) error {
	select {
	case x.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-x.sem }()

	x.mu.RLock()
	after := x.indexed
	x.mu.RUnlock()
	for e, err := range x.store.ReadAll(ctx, after) {
		if err != nil {
			return &StoreError{Op: "read log", Stream: "", Err: err}
		}
		x.add(e)
	}
	return nil
}

// add indexes one event read from the log; the caller holds sem.
func (x *CommandIndex) add(e store.Event) {
	id := e.Metadata[MetadataCommandID]
	prev := x.last
	x.last = batchEnd{commandID: id, stream: e.StreamID, version: e.Version, position: e.Position}
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.Position > x.indexed {
		x.indexed = e.Position
	}
	if id == "" || id == prev.commandID && e.StreamID == prev.stream &&
		e.Version == prev.version+1 && e.Position == prev.position+1 {
		return // no command id, or the next event of the same command
	}
	x.insert(x.hash(id), e.Position)
}

// record indexes a command's own append right away, before the log is read again.
func (x *CommandIndex) record(id string, r CommandRecord) {
	// A batch takes consecutive versions and positions.
	first := r.Position - store.Position(r.LastVersion-r.FirstVersion)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.insert(x.hash(id), first)
}

// insert adds a command that starts at position p and whose id hashes to h, unless it is
// known; the caller holds mu. An id used again later also lands here, as another candidate:
// Lookup keeps the first use, as the log tells.
func (x *CommandIndex) insert(h uint64, p store.Position) {
	q, ok := x.starts[h]
	switch {
	case !ok:
		x.starts[h] = p
	case q != p && !slices.Contains(x.more[h], p):
		if x.more == nil {
			x.more = make(map[uint64][]store.Position)
		}
		x.more[h] = append(x.more[h], p)
	}
}

// lockID serialises the handling of one command id in this process.
func (x *CommandIndex) lockID(ctx context.Context, id string) (func(), error) {
	return x.ids.lock(ctx, id)
}
