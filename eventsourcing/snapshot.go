package eventsourcing

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// WithSnapshots makes the handler keep snapshots of its streams' states beside the log,
// when the store keeps them (store.Snapshotter; the memory, JSONL and PostgreSQL stores
// do), so that a stream whose state is not cached (after a restart, or pushed out of the
// state cache) is not folded from its first event:
//
//   - a command that takes a stream past a multiple of every events saves the state it
//     leaves, encoded with encoding/json (a state's own MarshalJSON is called directly,
//     without encoding/json's second pass over what it returns) under the stream's lock,
//     and written by the store after it, so that the stream's next commands do not wait
//     for the write; the command returns once it is saved. A failed save is logged and the
//     command succeeds;
//   - a command on a stream whose state is not cached decodes the stream's snapshot, checks
//     that the log holds the event the snapshot names at its version, and folds only the
//     events after it (a state's own UnmarshalJSON is called directly: the store checked
//     the JSON). A snapshot of another revision, one that does not decode, or one the
//     log contradicts (a backup restored, a log that lost its unsynced tail) is ignored, and
//     the stream is folded from its start.
//
// The state type must round-trip through encoding/json (exported fields, no pointers to
// shared values): NewHandler panics when it finds a part that encoding/json leaves out or
// cannot bring back (see NewHandler). revision names the state's encoding and the Evolve
// that folds it: change it whenever either changes, so that snapshots of the old fold are
// ignored. every < 1 turns snapshots off.
//
// A state that grows with its stream (a restaurant's every order id) makes each snapshot
// larger than the last; WithSnapshotWriteBudget spaces such a stream's snapshots further
// apart, so that writing them stays in proportion to the events appended.
func WithSnapshots(every int, revision string) HandlerOption {
	return func(c *handlerConfig) { c.snapEvery, c.snapRev = max(every, 0), revision }
}

// DefaultSnapshotWriteBudget is the default of WithSnapshotWriteBudget: a stream's
// snapshots write, on average, about 256 bytes for each event appended to it (plus what an
// event adds to the state), about half of what a typical event's line in the log takes.
const DefaultSnapshotWriteBudget = 256

// WithSnapshotWriteBudget bounds what a stream's snapshots (WithSnapshots) write, on
// average, for each event appended to the stream: after a snapshot of n bytes, the next
// one is saved at the first multiple of the interval at least n/bytesPerEvent events
// later (DefaultSnapshotWriteBudget; below 1, at every multiple). Each snapshot is larger
// than the one that spaced it by what the events between them added, so the average is
// about bytesPerEvent plus what an event adds to the state (some 280 bytes for a
// restaurant's orders with the default), not at most bytesPerEvent. Without it, a state
// that grows with its stream is written whole at every interval: at 55,000 orders a
// restaurant's snapshot is 2 MB, which every 1,000 events made 2 KB of snapshot writes for
// each event of 400. The price is a longer fold for a stream that is not cached: up to
// n/bytesPerEvent events after its snapshot (rounded up to the interval) instead of one
// interval. A state that grows by more than bytesPerEvent an event is snapshotted ever
// more rarely in proportion to its stream (each snapshot at least twice as far into it as
// the last), so that a load folds up to half the stream or more: raise the budget for such
// a state. A state smaller than the interval times the budget (256 KB with 1,000 and the
// default) is snapshotted at every multiple, as without a budget.
//
// The handler remembers the latest snapshot of each stream that spaces the next one,
// saved or started from by it, in memory; after a restart a stream's first snapshot is
// saved at the first multiple, unless a command started from its snapshot before. It
// forgets a snapshot whose save failed, and a stream's when a load finds no snapshot to use
// or the log shorter than the state it cached (a failover that lost commits, a backup
// restored): the next is then saved at the next multiple.
func WithSnapshotWriteBudget(bytesPerEvent int) HandlerOption {
	return func(c *handlerConfig) { c.snapBudget = max(bytesPerEvent, 0) }
}

// snapshotDue reports whether an append that took stream from version from to version to
// passed a multiple of the snapshot interval, at least as far from the stream's latest
// snapshot as the write budget asks.
func (h *Handler[C, S, E]) snapshotDue(stream string, from, to store.Version) bool {
	if h.snaps == nil {
		return false
	}
	every := store.Version(h.cfg.snapEvery)
	if to/every <= from/every {
		return false
	}
	if h.cfg.snapBudget <= 0 {
		return true
	}
	last, ok := h.big.latest(stream)
	return !ok || int64(to-last.version)*int64(h.cfg.snapBudget) >= int64(last.bytes)
}

// bigSnapshots remembers the latest snapshot of each stream whose snapshot is large enough
// to space the next one beyond the interval (n bytes > every × budget): only those, so that
// a handler of many streams with small states keeps nothing. Its methods are called at
// most once per snapshot interval of a stream, apart from the handler's hot path.
type bigSnapshots struct {
	mu sync.Mutex
	m  map[string]snapshotMark
}

// snapshotMark is a snapshot's version and size.
type snapshotMark struct {
	version store.Version
	bytes   int
}

// latest returns the stream's latest snapshot, if it is a big one.
func (b *bigSnapshots) latest(stream string) (snapshotMark, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.m[stream]
	return m, ok
}

// forget forgets the stream's latest snapshot: the store may not hold it (a load found
// none to use, or the log lost events under the handler), so the next is saved at the
// next multiple of the interval, as after a restart.
func (b *bigSnapshots) forget(stream string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, stream)
}

// unmark forgets the stream's latest snapshot if it is the one at version v, whose save
// failed: the store still holds the one before, which spaced it.
func (b *bigSnapshots) unmark(stream string, v store.Version) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if m, ok := b.m[stream]; ok && m.version == v {
		delete(b.m, stream)
	}
}

// mark records the stream's latest snapshot, of n bytes at version v, when the budget
// spaces the next one beyond the interval, and forgets an earlier one otherwise.
func (b *bigSnapshots) mark(stream string, v store.Version, n, every, budget int) {
	if budget <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if int64(n) <= int64(every)*int64(budget) {
		delete(b.m, stream)
		return
	}
	if b.m == nil {
		b.m = make(map[string]snapshotMark)
	}
	b.m[stream] = snapshotMark{version: v, bytes: n}
}

// pendingSnapshot is a snapshot encoded under the stream's lock, to be saved after it. Its
// zero value is no snapshot due (a due one has a version).
type pendingSnapshot struct {
	snap store.Snapshot
	err  error // the state did not encode
}

// encodeSnapshot encodes state as the stream's snapshot at version v, whose event is
// eventID. The caller holds the stream's lock, so state is not evolved meanwhile.
func (h *Handler[C, S, E]) encodeSnapshot(state S, v store.Version, eventID string) pendingSnapshot {
	body, err := encodeState(state)
	return pendingSnapshot{snap: store.Snapshot{Version: v, EventID: eventID, Revision: h.cfg.snapRev, State: body}, err: err}
}

// saveSnapshot saves p, when a snapshot was due, and logs a failure: the command that made
// it succeeded all the same. It runs after the stream's lock is released; a save that comes
// after a further-on one of the stream keeps the further one (store.Snapshotter).
func (h *Handler[C, S, E]) saveSnapshot(ctx context.Context, stream string, p pendingSnapshot) {
	if p.snap.Version == 0 {
		return
	}
	err := p.err
	if err == nil {
		err = h.snaps.SaveSnapshot(ctx, stream, p.snap)
	}
	if err != nil {
		h.big.unmark(stream, p.snap.Version)
	}
	if err != nil && ctx.Err() == nil {
		h.cfg.logger.WarnContext(ctx, "eventsourcing: snapshot not saved", "stream", stream, "version", int64(p.snap.Version), "err", err)
	}
}

// fromSnapshot returns the stream's state from its snapshot, and whether there was a
// snapshot to use; otherwise it returns initial. The snapshot it uses spaces the stream's
// next one (see WithSnapshotWriteBudget); when it finds none to use, the next is due at
// the next multiple of the interval.
func (h *Handler[C, S, E]) fromSnapshot(ctx context.Context, stream string, initial cachedState[S]) (cachedState[S], bool) {
	c, ok := h.snapshotState(ctx, stream, initial)
	if !ok {
		h.big.forget(stream)
	}
	return c, ok
}

// snapshotState is fromSnapshot but for what the snapshot spaces.
func (h *Handler[C, S, E]) snapshotState(ctx context.Context, stream string, initial cachedState[S]) (cachedState[S], bool) {
	snap, ok, err := h.snaps.Snapshot(ctx, stream)
	if err != nil || !ok || snap.Revision != h.cfg.snapRev {
		if err != nil && ctx.Err() == nil {
			h.cfg.logger.WarnContext(ctx, "eventsourcing: snapshot not read; folding the stream from its start", "stream", stream, "err", err)
		}
		return initial, false
	}
	var state S
	if err := decodeState(snap.State, &state); err != nil {
		h.cfg.logger.WarnContext(ctx, "eventsourcing: snapshot does not decode; folding the stream from its start",
			"stream", stream, "version", int64(snap.Version), "revision", snap.Revision, "err", err)
		return initial, false
	}
	// Only the event the snapshot names, at its version, proves it a snapshot of this log.
	for e, err := range h.store.ReadStream(ctx, stream, snap.Version-1) {
		if err == nil && e.Version == snap.Version && e.ID == snap.EventID {
			h.big.mark(stream, snap.Version, len(snap.State), h.cfg.snapEvery, h.cfg.snapBudget)
			return cachedState[S]{state: state, version: e.Version, position: e.Position}, true
		}
		break
	}
	if ctx.Err() == nil {
		h.cfg.logger.WarnContext(ctx, "eventsourcing: snapshot does not match the log; folding the stream from its start",
			"stream", stream, "version", int64(snap.Version), "eventId", snap.EventID)
	}
	return initial, false
}

// encodeState returns state's JSON for a snapshot: what its MarshalJSON returns, when it
// has one, else json.Marshal's. A state's own MarshalJSON is called directly because
// json.Marshal would check and compact what it returns, another pass over a state that can
// be megabytes (a restaurant's every order id); the store checks the JSON once.
//
// It encodes through a pointer, so that methods with pointer receivers are called, on the
// state and on its fields, as NewHandler's check (jsonLoss) expects; encoded as a value they
// were not, and a snapshot lost what only they encode.
func encodeState[S any](state S) ([]byte, error) {
	if m, ok := any(state).(json.Marshaler); ok && !nilPointer(state) {
		return m.MarshalJSON()
	}
	if m, ok := any(&state).(json.Marshaler); ok {
		return m.MarshalJSON()
	}
	return json.Marshal(&state)
}

// decodeState decodes a snapshot's JSON, which the store checked, into state: by its
// UnmarshalJSON, called directly, when it has one (json.Unmarshal would check the whole
// value first), else by json.Unmarshal. Like json.Unmarshal it hands UnmarshalJSON the
// value without the white space around it.
func decodeState[S any](b []byte, state *S) error {
	if u, ok := any(state).(json.Unmarshaler); ok {
		return u.UnmarshalJSON(bytes.Trim(b, " \t\r\n"))
	}
	return json.Unmarshal(b, state)
}

// nilPointer reports whether v is a nil pointer, whose methods json.Marshal does not call.
func nilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// seenBeforeSnapshot completes a load that started from a snapshot: the events written
// under rep's ids at or before the snapshot's version were not read, and another
// process may have written them after the caller consulted the command index, so the
// index (which catches up with the log) is asked again.
func (h *Handler[C, S, E]) seenBeforeSnapshot(ctx context.Context, stream string, rep repeat, c cachedState[S]) (S, store.Version, store.Position, []store.Event, error) {
	for _, id := range [...]string{rep.id, rep.former} {
		if id == "" {
			continue
		}
		rec, events, ok, err := h.cfg.index.lookup(ctx, id)
		if err != nil {
			var zero S
			return zero, 0, 0, nil, err
		}
		// Under the former id, only this very command is its record (see repeat).
		if ok && rec.StreamID == stream && (id == rep.id || rec.Hash == rep.hash) {
			return c.state, c.version, c.position, events, nil
		}
	}
	return c.state, c.version, c.position, nil, nil
}
