package eventsourcing

import (
	"context"
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
// last catch-up. It keeps every command id of the log in memory.
type CommandIndex struct {
	store store.Store
	ids   keyedLock     // serialises the handling of one command id in this process
	sem   chan struct{} // serialises catch-up

	mu      sync.RWMutex
	records map[string]CommandRecord
	indexed store.Position // every event up to here is indexed
}

// NewCommandIndex returns an empty index over s; it reads the log on first use.
func NewCommandIndex(s store.Store) *CommandIndex {
	return &CommandIndex{store: s, sem: make(chan struct{}, 1), records: make(map[string]CommandRecord)}
}

// Lookup catches up with the log and returns the record of the command id, if any.
func (x *CommandIndex) Lookup(ctx context.Context, commandID string) (CommandRecord, bool, error) {
	if err := x.catchUp(ctx); err != nil {
		return CommandRecord{}, false, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	r, ok := x.records[commandID]
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

// add indexes one event read from the log.
func (x *CommandIndex) add(e store.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e.Position > x.indexed {
		x.indexed = e.Position
	}
	id := e.Metadata[MetadataCommandID]
	if id == "" {
		return
	}
	r, ok := x.records[id]
	switch {
	case !ok:
		x.records[id] = CommandRecord{
			StreamID: e.StreamID, FirstVersion: e.Version, LastVersion: e.Version,
			Position: e.Position, Hash: e.Metadata[MetadataCommandHash],
		}
	case r.StreamID == e.StreamID && e.Version == r.LastVersion+1 && e.Position == r.Position+1:
		// The next event of the same batch (a batch takes consecutive versions and positions).
		r.LastVersion, r.Position = e.Version, e.Position
		x.records[id] = r
	}
	// Otherwise the event is already indexed, or a later use of the id: the first use wins.
}

// record indexes a command's own append right away, before the log is read again.
func (x *CommandIndex) record(id string, r CommandRecord) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.records[id]; !ok {
		x.records[id] = r
	}
}

// lockID serialises the handling of one command id in this process.
func (x *CommandIndex) lockID(ctx context.Context, id string) (func(), error) {
	return x.ids.lock(ctx, id)
}
