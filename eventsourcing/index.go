package eventsourcing

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
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
// so idempotency lives in the log and survives restarts. Create one per store with
// NewCommandIndex (the zero CommandIndex is not usable: NewHandler refuses it, and Lookup
// fails) and share it between every handler of that store (WithCommandIndex).
//
// The index catches up with the log on demand, reading only the events appended since its
// last catch-up. It keeps in memory only where each command of the log starts: a 64-bit
// hash of the command id, and the stream (as a number; each stream id is kept once) and
// version of the command's first event — one map entry of 16 bytes, 24-38 bytes a command
// with the map's overhead, plus the stream's id and about 40 bytes a stream; no pointer per
// command or stream. Lookup reads the rest back from the stream, O(the command's events),
// and checks the command id there, so two ids with the same hash are told apart by the log.
// The hash is keyed (SipHash-2-4, with a random key): ids chosen to collide are as hard to
// find as under a random seed, and the key is written out with the index's state (it is a
// StatefulProjection), so that a restart loads the index instead of reading the log again.
type CommandIndex struct {
	store store.Store
	hash  func(id string) uint64 // when set, used in place of sipHash under key: a test forces collisions with it
	ids   keyedLock              // serialises the handling of one command id in this process
	sem   chan struct{}          // serialises catch-up

	mu      sync.RWMutex
	key     [2]uint64          // the key of the ids' hashes (sipHash), random, or the one of a state read back
	gen     uint64             // counts ReadState's replacements of the index, so that a lookup meanwhile looks again
	starts  map[uint64]uint64  // id hash -> a command with that hash, as packed by pack
	more    map[uint64][]start // further commands with a hash in starts, or that do not pack (rare)
	streams streamNumbers
	indexed store.Position // every event up to here is indexed
	last    batchEnd       // the last event indexed by catch-up
}

// start is where a command starts: the number of its stream and the version of its first
// event.
type start struct {
	stream  int
	version store.Version
}

// pack returns s in one word, the stream number above the version, when both fit in 32 bits.
func pack(s start) (uint64, bool) {
	if s.stream < 0 || int64(s.stream) > 1<<32-1 || s.version < 0 || s.version > 1<<32-1 {
		return 0, false
	}
	return uint64(s.stream)<<32 | uint64(s.version), true
}

func unpack(w uint64) start {
	return start{stream: int(w >> 32), version: store.Version(w & (1<<32 - 1))}
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
	var k [16]byte
	_, _ = rand.Read(k[:]) // never fails (crypto/rand)
	return &CommandIndex{
		store:   s,
		key:     [2]uint64{binary.LittleEndian.Uint64(k[:8]), binary.LittleEndian.Uint64(k[8:])},
		sem:     make(chan struct{}, 1),
		starts:  make(map[uint64]uint64),
		streams: newStreamNumbers(),
	}
}

// Lookup catches up with the log and returns the record of the command id, if any.
func (x *CommandIndex) Lookup(ctx context.Context, commandID string) (CommandRecord, bool, error) {
	r, _, ok, err := x.lookup(ctx, commandID)
	return r, ok, err
}

// lookup is Lookup that also returns the command's events, as the store returns them.
func (x *CommandIndex) lookup(ctx context.Context, commandID string) (CommandRecord, []store.Event, bool, error) {
	for {
		gen := x.generation()
		if err := x.catchUp(ctx); err != nil {
			return CommandRecord{}, nil, false, err
		}
		cs, candGen := x.candidatesOf(commandID)
		if candGen != gen {
			// ReadState replaced the index after the catch-up, with one that may not have
			// read as far: catch up again.
			continue
		}
		// The first use of the id is the candidate with the lowest position that the log says
		// was written by this id; the others are other ids with the same hash, or later uses.
		var (
			first  CommandRecord
			events []store.Event
			found  bool
		)
		for _, c := range cs {
			r, es, ok, err := x.read(ctx, commandID, c.stream, c.version)
			if err != nil {
				return CommandRecord{}, nil, false, err
			}
			if ok && (!found || r.Position < first.Position) {
				first, events, found = r, es, true
			}
		}
		return first, events, found, nil
	}
}

// generation returns x.gen.
func (x *CommandIndex) generation() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.gen
}

// hashLocked returns the hash of a command id; the caller holds mu (shared or not).
func (x *CommandIndex) hashLocked(id string) uint64 {
	if x.hash != nil {
		return x.hash(id)
	}
	return sipHash(x.key, id)
}

// candidatesOf returns where the commands whose id hashes as commandID's start, and the
// generation of the index they were found in.
func (x *CommandIndex) candidatesOf(commandID string) ([]candidate, uint64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.candidatesLocked(x.hashLocked(commandID)), x.gen
}

// candidate is a start with its stream's id.
type candidate struct {
	stream  string
	version store.Version
}

// candidates returns where the commands whose id hashes to h start.
func (x *CommandIndex) candidates(h uint64) []candidate {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.candidatesLocked(h)
}

// candidatesLocked is candidates with mu held.
func (x *CommandIndex) candidatesLocked(h uint64) []candidate {
	w, ok := x.starts[h]
	more := x.more[h]
	if !ok && len(more) == 0 {
		return nil
	}
	out := make([]candidate, 0, 1+len(more))
	if ok {
		s := unpack(w)
		out = append(out, candidate{x.streams.id(s.stream), s.version})
	}
	for _, s := range more {
		out = append(out, candidate{x.streams.id(s.stream), s.version})
	}
	return out
}

// read reads the command that starts at the stream's version from the log; ok is false when
// the event there was written by another command id.
func (x *CommandIndex) read(ctx context.Context, commandID, stream string, version store.Version) (r CommandRecord, events []store.Event, ok bool, err error) {
	for e, err := range x.store.ReadStream(ctx, stream, version-1) {
		if err != nil {
			return CommandRecord{}, nil, false, &StoreError{Op: "read", Stream: stream, Err: err}
		}
		if !ok {
			if e.Version != version || e.Metadata[MetadataCommandID] != commandID {
				return CommandRecord{}, nil, false, nil
			}
			r = CommandRecord{
				StreamID: e.StreamID, FirstVersion: e.Version, LastVersion: e.Version,
				Position: e.Position, Hash: e.Metadata[MetadataCommandHash],
			}
			events, ok = append(events, e), true
			continue
		}
		if e.Version != r.LastVersion+1 || e.Position != r.Position+1 || e.Metadata[MetadataCommandID] != commandID {
			break
		}
		r.LastVersion, r.Position = e.Version, e.Position
		events = append(events, e)
	}
	return r, events, ok, nil
}

// CommandIndexName is the name a CommandIndex has as a Runner's projection.
const CommandIndexName = "command-ids"

// Name returns CommandIndexName: a CommandIndex is a Projection.
func (*CommandIndex) Name() string { return CommandIndexName }

// Apply indexes e when it is the event after the last one indexed, and ignores it when a
// catch-up (or a command's own append) indexed it already. Added to a Runner beside the read
// models, the index follows the log from the one subscription they share, instead of
// reading the whole log again on the first lookup: after a restart, the first command with
// a command id (or the saga's first command) read the log from its first event, with every
// other lookup waiting, some 1.25 µs an event. It never fails, and never waits: while a
// lookup's catch-up runs (which can read much of the log at start-up) it ignores e rather
// than hold up the read models that share the subscription; the catch-up reads what it
// ignored, and the next lookup's reads what neither did.
func (x *CommandIndex) Apply(e store.Event) error {
	select {
	case x.sem <- struct{}{}:
	default:
		return nil
	}
	defer func() { <-x.sem }()
	x.mu.RLock()
	next := e.Position == x.indexed+1
	x.mu.RUnlock()
	if next {
		x.add(e)
	}
	return nil
}

// errZeroIndex is the error of a zero CommandIndex's Lookup, whose catch-up would wait for
// ever.
var errZeroIndex = errors.New("eventsourcing: a CommandIndex not made by NewCommandIndex")

// catchUp indexes every event appended since the last catch-up.
func (x *CommandIndex) catchUp(ctx context.Context) error {
	if x.sem == nil {
		return errZeroIndex
	}
	select {
	case x.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-x.sem }()

	x.mu.RLock()
	after := x.indexed
	x.mu.RUnlock()
	for e, err := range store.ReadAllReadOnly(ctx, x.store, after) {
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
	x.insert(x.hashLocked(id), start{x.streams.number(e.StreamID), e.Version})
}

// record indexes a command's own append right away, before the log is read again.
func (x *CommandIndex) record(id string, r CommandRecord) {
	first := r.Position - store.Position(r.LastVersion-r.FirstVersion) // a batch's positions are consecutive
	x.mu.Lock()
	defer x.mu.Unlock()
	x.insert(x.hashLocked(id), start{x.streams.number(r.StreamID), r.FirstVersion})
	if first == x.indexed+1 {
		// The append directly follows what is indexed: the next catch-up need not read it
		// back. (Positions have no gaps, so nothing was skipped.)
		x.indexed = r.Position
	}
}

// insert adds a command that starts at s and whose id hashes to h, unless it is known; the
// caller holds mu. An id used again later also lands here, as another candidate: Lookup
// keeps the first use, as the log tells.
func (x *CommandIndex) insert(h uint64, s start) {
	w, ok := x.starts[h]
	if ok && unpack(w) == s || slices.Contains(x.more[h], s) {
		return
	}
	if p, packs := pack(s); packs && !ok {
		x.starts[h] = p
		return
	}
	if x.more == nil {
		x.more = make(map[uint64][]start)
	}
	x.more[h] = append(x.more[h], s)
}

// lockID serialises the handling of one command id in this process; unlockID releases it.
func (x *CommandIndex) lockID(ctx context.Context, id string) (*keyEntry, error) {
	return x.ids.lock(ctx, id)
}

func (x *CommandIndex) unlockID(e *keyEntry) { x.ids.unlock(e) }
