package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/store"
)

// DefaultMaxRetries is how often a handler reloads and decides again after losing a race
// for a stream, when the command does not pin an expected version.
const DefaultMaxRetries = 10

// Aggregate is what a handler needs to know about one kind of entity.
type Aggregate[C, S, E any] struct {
	Decider decider.Decider[C, S, E]
	Codec   Codec[E]
	// Stream names the stream a command addresses, e.g. "restaurant-" + id.
	Stream func(C) string
}

// missing names the first part of a that is nil, or returns "".
func (a Aggregate[C, S, E]) missing() string {
	switch {
	case a.Decider.Decide == nil:
		return "Decider.Decide"
	case a.Decider.Evolve == nil:
		return "Decider.Evolve"
	case a.Codec == nil:
		return "Codec"
	case a.Stream == nil:
		return "Stream"
	}
	return ""
}

// HandlerOption configures a Handler.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	index      *CommandIndex
	maxRetries int
	logger     *slog.Logger
	cacheSize  int
	observer   CommandObserver
	decoded    *Decoded
	snapEvery  int    // see WithSnapshots; 0: no snapshots
	snapRev    string // the snapshots' revision
	snapBudget int    // see WithSnapshotWriteBudget; 0: none
	// refuseUnknown fails a command whose stream holds an event of a type the codec does
	// not handle (see WithUnknownEventsRefused).
	refuseUnknown bool
}

// DefaultStateCacheSize is how many streams' states a handler keeps by default.
const DefaultStateCacheSize = 1024

// WithStateCache sets how many streams' folded states the handler keeps (least recently
// used first out), so that a command reads only the events appended since (default
// DefaultStateCacheSize; 0 disables the cache). Evolve may update a state in place, but
// not the decider's InitialState, which every stream starts from (see decider.Decider):
// the handler never reuses a state it has evolved further.
func WithStateCache(streams int) HandlerOption {
	return func(c *handlerConfig) { c.cacheSize = max(streams, 0) }
}

// WithDecoded makes the handler remember the events it appends, decoded, in d, for the
// sagas and projections of the same process (see Decoded).
func WithDecoded(d *Decoded) HandlerOption {
	return func(c *handlerConfig) { c.decoded = d }
}

// WithCommandIndex shares one command index between the handlers of a store, so a command
// id is recognised whichever handler saw it first. Give every handler of a store the same
// one (NewCommandIndex) as soon as a store has more than one handler. Without it a handler
// has its own index, which reads the log, so it sees the commands others wrote before; but
// two handlers with indexes of their own can each accept a different command under one id
// when the two arrive at the same moment, where a shared index refuses the second with
// ErrCommandIDReused.
func WithCommandIndex(x *CommandIndex) HandlerOption {
	return func(c *handlerConfig) { c.index = x }
}

// WithMaxRetries sets how often a lost race is retried (DefaultMaxRetries; 0 never retries).
func WithMaxRetries(n int) HandlerOption {
	return func(c *handlerConfig) { c.maxRetries = max(n, 0) }
}

// WithLogger sets the logger for retries (slog.Default when nil or unset).
func WithLogger(l *slog.Logger) HandlerOption {
	return func(c *handlerConfig) { c.logger = l }
}

// Handler handles the commands of one aggregate against a store: it loads the addressed
// stream, folds its events, decides, and appends the new events with optimistic concurrency.
//
// Commands on one stream are serialised within the handler; a race lost to another process
// or handler is retried (reload, decide again) up to the retry limit unless the command pins
// an expected version. A command id makes the command idempotent (see Handle); the handlers
// of one store must share one CommandIndex for that (WithCommandIndex).
//
// Folding a stream, the handler skips its events of types the codec does not handle
// (Codec.Handles): another release's, or another aggregate's sharing the stream; it logs
// each such type once, as a warning (the first 256 types it meets: past them it warns of no
// new type, so that ever new type names do not grow its memory). A renamed event whose upcaster was forgotten is skipped
// too, and the command decided without it: WithUnknownEventsRefused fails such commands
// instead. An event the codec handles but cannot decode fails the command, writing nothing.
//
// A Handler is safe for concurrent use. Make one with NewHandler: the zero Handler has no
// store or aggregate.
type Handler[C, S, E any] struct {
	store   store.Store
	agg     Aggregate[C, S, E]
	cfg     handlerConfig
	streams keyedLock
	cache   *stateCache[S]
	ids     *store.IDs        // command and event ids
	prints  sync.Pool         // *fingerprinter
	snaps   store.Snapshotter // nil unless WithSnapshots and the store keeps snapshots
	big     bigSnapshots      // the streams whose latest snapshot spaces the next (see WithSnapshotWriteBudget)
	skipped skippedTypes      // the types folds left out, logged once each
	// seen is the latest event time the handler's read backs found: a new append is
	// stamped no earlier, so a failed read back dates its events no earlier.
	seen latestTime
}

// NewHandler returns a handler of agg's commands over s. It panics when s is nil, agg
// lacks a part a command needs (Decider.Decide, Decider.Evolve, Codec, Stream),
// WithCommandIndex was given a CommandIndex not made by NewCommandIndex, or WithSnapshots was
// given for a state that encoding/json does not round-trip (an unexported field, one tagged
// json:"-", fields whose JSON names collide, an interface, a function, an embedded type whose
// JSON methods become the state's; a type with its own JSON or text methods is taken at its
// word): a wiring mistake,
// reported where it was made rather than as a nil dereference or a hang at the first command.
func NewHandler[C, S, E any](s store.Store, agg Aggregate[C, S, E], opts ...HandlerOption) *Handler[C, S, E] {
	if missing := agg.missing(); s == nil || missing != "" {
		if s == nil {
			missing = "store"
		}
		var c C
		panic(fmt.Sprintf("eventsourcing: NewHandler for %T: no %s", any(&c), missing))
	}
	cfg := handlerConfig{maxRetries: DefaultMaxRetries, cacheSize: DefaultStateCacheSize, snapBudget: DefaultSnapshotWriteBudget}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.index == nil {
		cfg.index = NewCommandIndex(s)
	} else if cfg.index.sem == nil {
		var c C
		panic(fmt.Sprintf("eventsourcing: NewHandler for %T: WithCommandIndex given a CommandIndex not made by NewCommandIndex", any(&c)))
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.snapEvery > 0 && cfg.refuseUnknown {
		// A snapshot made without the refusal may have folded past an event of a type the
		// codec does not handle: its state is not one this handler may start from.
		cfg.snapRev += "+unknown-events-refused"
	}
	if cfg.snapEvery > 0 {
		if loss := jsonLoss(reflect.TypeFor[S]()); loss != "" {
			panic(fmt.Sprintf("eventsourcing: NewHandler for %T: WithSnapshots needs a state that round-trips through encoding/json, and %s "+
				"(export it, or give the type MarshalJSON and UnmarshalJSON methods)", any(new(C)), loss))
		}
	}
	h := &Handler[C, S, E]{store: s, agg: agg, cfg: cfg, cache: newStateCache[S](cfg.cacheSize), ids: store.NewIDs()}
	if sn, ok := s.(store.Snapshotter); ok && cfg.snapEvery > 0 {
		h.snaps = sn
	}
	return h
}

// Handle decides cmd against the current state of its stream and appends the events.
//
// Events carry the metadata commandId, correlationId, causationId (see Meta) and
// commandHash (see Fingerprint). When meta.CommandID was used before with the same command,
// Handle writes nothing and returns the first use's result with Duplicate set; with a
// different command it fails with ErrCommandIDReused, unless the command fails on its own
// with an error of the first three kinds below (its input, its entity's existence, its
// expected version, which the order of checks puts first). The record of a command id is the
// events it wrote: a command that was rejected, or decided no events, left none, so its id
// may be used again and the command is then decided anew.
//
// Errors, in this order: an error wrapping store.ErrInvalid when the command addresses no
// stream, meta.ExpectedVersion is no version (below store.StreamExists) or meta.Metadata
// holds one of the handler's own keys; Decide's errors
// that wrap decider.ErrInvalid or decider.ErrNotFound; a *store.ConflictError when
// meta.ExpectedVersion is set and differs from the stream's version; Decide's other errors;
// a *store.ConflictError when the append lost the race (pinned, or after the retries); a
// *StoreError when the store failed; ctx's error. A command that encoding/json cannot
// encode (for its fingerprint), an event the codec cannot encode, and a stored event it
// cannot decode (an upcaster's failure is an *UpcastError) fail the command with an error
// wrapping the cause, writing nothing.
// A Decide that returns no events writes nothing and returns the stream's current version
// and position, with Events empty (not nil).
//
// A panic in Decide, Evolve or the codec is not recovered: it reaches the caller with the
// stream's lock released, so the handler goes on serving the stream's next commands once
// the caller recovers (as a server's recovery middleware does).
func (h *Handler[C, S, E]) Handle(ctx context.Context, cmd C, meta Meta) (Result, error) {
	if h.cfg.observer == nil {
		return h.handle(ctx, cmd, &meta)
	}
	start := time.Now()
	res, err := h.handle(ctx, cmd, &meta)
	h.observe(ctx, cmd, meta, start, res, err)
	return res, err
}

// handle is Handle's work. It fills in meta's ids the caller left empty (a new command id;
// the correlation and causation ids), for the observer to report.
func (h *Handler[C, S, E]) handle(ctx context.Context, cmd C, meta *Meta) (Result, error) {
	hash, err := h.fingerprint(cmd)
	if err != nil {
		return Result{}, err
	}
	stream := h.agg.Stream(cmd)
	if stream == "" {
		return Result{}, fmt.Errorf("eventsourcing: %w: command %T addresses no stream", store.ErrInvalid, cmd)
	}
	if meta.ExpectedVersion != nil && *meta.ExpectedVersion < store.StreamExists {
		return Result{}, fmt.Errorf("eventsourcing: %w: expected version %d of %s (a version, store.Any or store.StreamExists)", store.ErrInvalid, *meta.ExpectedVersion, stream)
	}
	for k := range meta.Metadata {
		if ownMetadata(k) {
			return Result{}, fmt.Errorf("eventsourcing: %w: Meta.Metadata holds %q, a key the handler writes itself", store.ErrInvalid, k)
		}
	}
	repeatable := meta.CommandID != ""
	if repeatable {
		held, err := h.cfg.index.lockID(ctx, meta.CommandID)
		if err != nil {
			return Result{}, err
		}
		defer h.cfg.index.unlockID(held)
	} else {
		meta.CommandID = h.ids.New()
	}
	if meta.CorrelationID == "" {
		meta.CorrelationID = meta.CommandID
	}
	if meta.CausationID == "" {
		meta.CausationID = meta.CommandID
	}

	held, err := h.streams.lock(ctx, stream)
	if err != nil {
		return Result{}, err
	}
	var snap pendingSnapshot
	res, err := func() (Result, error) {
		defer h.streams.unlock(held) // also when Decide, Evolve or an encoding panics
		return h.handleLocked(ctx, cmd, *meta, hash, stream, repeatable, &snap)
	}()
	// The state is encoded under the stream's lock (the next command evolves it), but the
	// store writes it after: a restaurant's snapshot is megabytes, and the other commands
	// on the stream need not wait for the file, its sync and its rename.
	h.saveSnapshot(ctx, stream, snap)
	return res, err
}

// handleLocked is handle with the stream's lock held: the command index's check, attempts
// and their retries. A snapshot due is encoded into snap, for the caller to save.
func (h *Handler[C, S, E]) handleLocked(ctx context.Context, cmd C, meta Meta, hash, stream string, repeatable bool, snap *pendingSnapshot) (Result, error) {
	var rep repeat
	if repeatable {
		rep = repeat{id: meta.CommandID, former: meta.FormerCommandID, hash: hash}
	}
	for attempt := 0; ; attempt++ {
		if repeatable {
			// Looked up under the stream lock, so that whatever another process writes
			// after the lookup is newer than the cached state and seen by load.
			if res, done, err := h.duplicate(ctx, meta.CommandID, hash); done || err != nil {
				if errors.Is(err, ErrCommandIDReused) {
					err = h.beforeReuse(ctx, cmd, meta, stream, err)
				}
				return res, err
			}
			if res, done, err := h.former(ctx, meta.FormerCommandID, hash); done || err != nil {
				return res, err
			}
		}
		res, err := h.attempt(ctx, cmd, meta, hash, stream, rep, snap)
		if err == nil || !errors.Is(err, store.ErrConflict) {
			return res, err
		}
		if pinned(meta) || attempt >= h.cfg.maxRetries {
			if repeatable {
				// The race may have been lost to this very command, sent again to another
				// process (a client retrying against another replica): its first result
				// stands. A different command under the id keeps the conflict, which comes
				// first in the order of checks.
				if dup, done, derr := h.duplicate(ctx, meta.CommandID, hash); done && derr == nil {
					return dup, nil
				}
			}
			return res, markPinned(meta, err)
		}
		h.cfg.logger.DebugContext(ctx, "eventsourcing: retrying command after a conflict",
			"stream", stream, "commandId", meta.CommandID, "attempt", attempt+1, "err", err)
		if err := sleep(ctx, retryDelay(attempt)); err != nil {
			return Result{}, err
		}
	}
}

// pinned reports whether meta pins the stream's version: a lost race is then the command's
// answer, not retried. store.Any and store.StreamExists pin no version.
func pinned(meta Meta) bool {
	return meta.ExpectedVersion != nil && *meta.ExpectedVersion >= 0
}

// fingerprint is Fingerprint with a reused buffer.
func (h *Handler[C, S, E]) fingerprint(cmd C) (string, error) {
	f, ok := h.prints.Get().(*fingerprinter)
	if !ok {
		f = newFingerprinter()
	}
	hash, err := f.sum(cmd)
	if f.buf.Cap() <= maxKeptFingerprint && cap(f.raw) <= maxKeptFingerprint {
		h.prints.Put(f)
	}
	return hash, err
}

// duplicate looks the command id up; done reports that it was used before.
func (h *Handler[C, S, E]) duplicate(ctx context.Context, id, hash string) (res Result, done bool, err error) {
	// The index reads the first use's events from the log to check the id; they are the
	// result's events.
	rec, events, ok, err := h.cfg.index.lookup(ctx, id)
	if err != nil || !ok {
		return Result{}, false, err
	}
	if rec.Hash != hash {
		return Result{}, true, fmt.Errorf("%w: %q", ErrCommandIDReused, id)
	}
	return Result{StreamID: rec.StreamID, Version: rec.LastVersion, Position: rec.Position, Events: events, Duplicate: true}, true, nil
}

// former looks up meta.FormerCommandID (see Meta): done reports that this command was
// recorded under it. A different command under that id is not this command's record: it
// is ignored rather than taken as a reused id, so that a client that took an id of the
// former form cannot make the command fail.
func (h *Handler[C, S, E]) former(ctx context.Context, id, hash string) (res Result, done bool, err error) {
	if id == "" {
		return Result{}, false, nil
	}
	res, done, err = h.duplicate(ctx, id, hash)
	if errors.Is(err, ErrCommandIDReused) {
		return Result{}, false, nil
	}
	return res, done, err
}

// beforeReuse returns the error cmd fails with on its own when the order of checks puts it
// before a reused command id (invalid input, a missing entity, a mismatched expected version
// or an entity that exists already, unless its id was derived from the command id: see
// Meta.DerivedID), else reused: a client told COMMAND_ID_REUSED for a command that could
// never succeed would fix the id only to meet the real error next. The caller holds the
// stream's lock.
func (h *Handler[C, S, E]) beforeReuse(ctx context.Context, cmd C, meta Meta, stream string, reused error) error {
	state, version, _, _, err := h.load(ctx, stream, repeat{})
	if err != nil {
		return reused
	}
	_, err = h.agg.Decider.Decide(cmd, state)
	if err != nil && (errors.Is(err, decider.ErrInvalid) || errors.Is(err, decider.ErrNotFound)) {
		return err
	}
	if meta.ExpectedVersion != nil {
		if cerr := store.CheckVersion(stream, *meta.ExpectedVersion, version); cerr != nil {
			return markPinned(meta, cerr)
		}
	}
	if err != nil && errors.Is(err, decider.ErrAlreadyExists) && !meta.DerivedID {
		return err
	}
	return reused
}

// repeat names the ids under which a command may have been recorded before: its own, when the
// caller chose it (the command may be a repeat), and its former one (Meta.FormerCommandID),
// whose events are this command's record only when they are of this very command (hash).
type repeat struct{ id, former, hash string }

// recorded reports whether e was written under one of r's ids, as r's command. A command
// whose caller chose no id has no former one either.
func (r repeat) recorded(e store.Event) bool {
	if r.id == "" {
		return false // no lookup for the events a fold of a command without an id reads
	}
	id := e.Metadata[MetadataCommandID]
	return id == r.id || r.former != "" && id == r.former && e.Metadata[MetadataCommandHash] == r.hash
}

// attempt loads, decides and appends once.
func (h *Handler[C, S, E]) attempt(ctx context.Context, cmd C, meta Meta, hash, stream string, rep repeat, snap *pendingSnapshot) (Result, error) {
	state, version, position, seen, err := h.load(ctx, stream, rep)
	if err != nil {
		return Result{}, err
	}
	if len(seen) > 0 {
		// Another process handled the same command id (or this command under its former
		// id: a server of an earlier release) since the index was consulted.
		if seen[0].Metadata[MetadataCommandHash] != hash {
			return Result{}, fmt.Errorf("%w: %q", ErrCommandIDReused, meta.CommandID)
		}
		last := seen[len(seen)-1]
		return Result{StreamID: stream, Version: last.Version, Position: last.Position, Events: seen, Duplicate: true}, nil
	}
	events, err := h.agg.Decider.Decide(cmd, state)
	if err != nil && (errors.Is(err, decider.ErrInvalid) || errors.Is(err, decider.ErrNotFound)) {
		return Result{}, err
	}
	if meta.ExpectedVersion != nil {
		if cerr := store.CheckVersion(stream, *meta.ExpectedVersion, version); cerr != nil {
			return Result{}, cerr
		}
	}
	if err != nil {
		return Result{}, err
	}
	if len(events) == 0 {
		// Events empty, not nil: it says the command wrote nothing (see NewSaga).
		return Result{StreamID: stream, Version: version, Position: position, Events: []store.Event{}}, nil
	}
	data := make([]store.EventData, len(events))
	for i, e := range events {
		typ, body, err := h.agg.Codec.Encode(e)
		if err != nil {
			return Result{}, fmt.Errorf("eventsourcing: encode event %d for %s: %w", i, stream, err)
		}
		data[i] = store.EventData{ID: h.ids.New(), Type: typ, Data: body, Metadata: eventMetadata(meta, hash)}
	}
	// Before the append: subscribers may read the events before it returns.
	for i, ev := range events {
		h.cfg.decoded.put(data[i].ID, ev, len(data[i].Data))
	}
	var app store.Appended
	var appended []store.Event // the committed events, when the store returns them
	// data and its maps were made for this append and are never changed: the store may keep
	// them rather than copies.
	switch st := h.store.(type) {
	case store.HandoverAppender:
		app, appended, err = st.AppendHandover(ctx, stream, version, data...)
	case store.EventsAppender:
		app, appended, err = st.AppendEvents(ctx, stream, version, data...)
	default:
		app, err = h.store.Append(ctx, stream, version, data...)
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid) {
			// The store refused the events (too large, say): the command's fault, not the
			// store's, so no *StoreError, which a caller may take for a failure to report.
			return Result{}, err
		}
		return Result{}, &StoreError{Op: "append", Stream: stream, Err: err}
	}
	first := version + 1
	h.cfg.index.record(meta.CommandID, CommandRecord{
		StreamID: stream, FirstVersion: first, LastVersion: app.Version, Position: app.Position, Hash: hash,
	})
	if next, ok := h.cacheAppended(stream, state, version, app, events); ok && h.snapshotDue(stream, version, app.Version) {
		*snap = h.encodeSnapshot(next, app.Version, data[len(data)-1].ID)
		if snap.err == nil {
			h.big.mark(stream, app.Version, len(snap.snap.State), h.cfg.snapEvery, h.cfg.snapBudget)
		}
	}
	if len(appended) != len(data) {
		appended = h.readBack(ctx, stream, version, app, data)
	}
	return Result{StreamID: stream, Version: app.Version, Position: app.Position, Events: appended}, nil
}

// load folds the stream's events into the state, starting from the cached state when there
// is one; it returns the stream's version, the position of its last event, and the events
// written under rep's ids (if any) since the cached state. The caller holds the stream's
// lock.
func (h *Handler[C, S, E]) load(ctx context.Context, stream string, rep repeat) (state S, version store.Version, position store.Position, seen []store.Event, err error) {
	c, cached := h.cache.get(stream)
	if !cached {
		c = cachedState[S]{state: h.agg.Decider.InitialState}
	}
	current := store.Version(-1) // unknown
	if sv, can := h.store.(store.StreamVersioner); can {
		// Most commands find their stream as they left it, or, creating it, empty: a
		// lookup then spares the read, whose iterator costs more than the rest of the load.
		v, err := sv.StreamVersion(ctx, stream)
		if err != nil {
			var zero S
			return zero, 0, 0, nil, &StoreError{Op: "read", Stream: stream, Err: err}
		}
		if v == c.version {
			return c.state, c.version, c.position, nil, nil
		}
		if cached && v < c.version {
			// The stream is shorter than the state cached from it: the log lost events under
			// the handler (an asynchronous failover that lost the primary's last commits, a
			// backup restored). Fold the stream as the log holds it now, so that the command is
			// decided on the log, not on events it no longer holds (a lost restaurant would be
			// ALREADY_EXISTS to the client retrying its creation), and its append, if any, lets
			// the store notice the loss.
			h.cache.remove(stream)
			h.big.forget(stream) // a snapshot at a version the stream no longer reaches spaces nothing
			c, cached = cachedState[S]{state: h.agg.Decider.InitialState}, false
		}
		current = v
	}
	// A stream shorter than the snapshot interval has none: its snapshot is not looked for.
	if !cached && h.snaps != nil && (current < 0 || current >= store.Version(h.cfg.snapEvery)) {
		if sc, ok := h.fromSnapshot(ctx, stream, c); ok {
			if current == sc.version {
				h.cache.put(stream, sc)
				return h.seenBeforeSnapshot(ctx, stream, rep, sc)
			}
			state, version, position, seen, err = h.fold(ctx, stream, rep, sc)
			if err == nil && len(seen) == 0 {
				return h.seenBeforeSnapshot(ctx, stream, rep, cachedState[S]{state: state, version: version, position: position})
			}
			return state, version, position, seen, err
		}
	}
	return h.fold(ctx, stream, rep, c)
}

// fold is load reading the stream's events after the cached state c. It is a function of
// its own because the loop's body is a closure handed to the store's iterator: every
// variable it touches moves to the heap when the function starts, and load's common case,
// a stream as the cache left it, would pay for that without reading anything.
func (h *Handler[C, S, E]) fold(ctx context.Context, stream string, rep repeat, c cachedState[S]) (state S, version store.Version, position store.Position, seen []store.Event, err error) {
	state, version, position = c.state, c.version, c.position
	fail := func(err error) (S, store.Version, store.Position, []store.Event, error) {
		h.cache.remove(stream) // Evolve may have changed the cached state in place
		var zero S
		return zero, 0, 0, nil, err
	}
	for e, err := range h.store.ReadStream(ctx, stream, version) {
		if err != nil {
			return fail(&StoreError{Op: "read", Stream: stream, Err: err})
		}
		version, position = e.Version, e.Position
		if rep.recorded(e) && (len(seen) == 0 || seen[len(seen)-1].Version == e.Version-1) {
			seen = append(seen, e)
		}
		if !h.agg.Codec.Handles(e.Type) {
			if h.cfg.refuseUnknown {
				return fail(&UnknownEventError{Stream: stream, Version: e.Version, Type: e.Type})
			}
			h.skip(ctx, stream, e)
			continue
		}
		ev, err := h.agg.Codec.Decode(e.Type, e.Data)
		if err != nil {
			return fail(fmt.Errorf("eventsourcing: decode %s event %d of %s: %w", e.Type, e.Version, stream, err))
		}
		state = h.agg.Decider.Evolve(state, ev)
	}
	if version > 0 {
		h.cache.put(stream, cachedState[S]{state: state, version: version, position: position})
	}
	return state, version, position, seen, nil
}

// cacheAppended caches the stream's state after a successful append, folded from the events
// just decided, so the stream's next command reads nothing back. The Codec round-trips (a
// Codec's contract), so these fold to the state a reload would compute, without paying for
// a decode. It caches only when the append directly followed the loaded state; the stream's
// lock is held.
func (h *Handler[C, S, E]) cacheAppended(stream string, state S, version store.Version, app store.Appended, events []E) (S, bool) {
	if app.Version != version+store.Version(len(events)) {
		h.cache.remove(stream)
		var zero S
		return zero, false
	}
	for _, ev := range events {
		state = h.agg.Decider.Evolve(state, ev)
	}
	h.cache.put(stream, cachedState[S]{state: state, version: app.Version, position: app.Position})
	return state, true
}

// readBack returns the appended events as the store returns them. The append already
// succeeded, so a failing read falls back to the events as appended, with the time the read
// began (not its end: a read that waited out the deadline would date them by it), or the
// latest time of the events the handler's earlier read backs found when that is later (the
// store stamps an append no earlier than the log's last event: a clock stepped back, or a
// database server's clock ahead of this one, dated them before the events they follow), or
// the time of those of them it read before it failed. The read outlives ctx's cancellation
// (a caller gone right after the commit still gets the events as stored), but not its
// deadline: a database that stopped answering right after the commit held the command, and
// its answer, past the request's deadline, until the HTTP server's write timeout cut the
// response off.
func (h *Handler[C, S, E]) readBack(ctx context.Context, stream string, before store.Version, app store.Appended, data []store.EventData) []store.Event {
	rctx := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		rctx, cancel = context.WithDeadline(rctx, deadline)
		defer cancel()
	}
	now := time.Now().UTC()
	out := make([]store.Event, 0, len(data))
	for e, err := range h.store.ReadStream(rctx, stream, before) {
		if err != nil || e.Version > app.Version {
			break
		}
		out = append(out, e)
	}
	if len(out) == len(data) && out[len(out)-1].Position == app.Position {
		h.seen.note(out[0].Time)
		return out
	}
	switch seen := h.seen.get(); {
	case len(out) > 0: // some were read: the versions after before are this append's
		now = out[0].Time
	case now.Before(seen):
		now = seen
	}
	out = out[:0]
	n := store.Version(len(data))
	for i, d := range data {
		out = append(out, store.Event{
			ID: d.ID, StreamID: stream, Version: app.Version - n + 1 + store.Version(i),
			Position: app.Position - store.Position(n) + 1 + store.Position(i),
			Type:     d.Type, Time: now, Data: d.Data, Metadata: d.Metadata,
		})
	}
	return out
}

// retryDelay is a small jittered backoff for lost races: up to 1ms, 2ms, 4ms, ... 32ms.
func retryDelay(attempt int) time.Duration {
	ceiling := time.Millisecond << min(attempt, 5)
	return ceiling/2 + rand.N(ceiling/2+1)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// latestTime holds the latest of the times noted in it; it is safe for concurrent use.
type latestTime struct {
	t atomic.Pointer[time.Time] // nil: none noted
}

// note makes t the latest time when it is later than the latest noted.
func (l *latestTime) note(t time.Time) {
	var p *time.Time // allocated only when t is the latest
	for {
		cur := l.t.Load()
		if cur != nil && !t.After(*cur) {
			return
		}
		if p == nil {
			p = new(time.Time)
			*p = t
		}
		if l.t.CompareAndSwap(cur, p) {
			return
		}
	}
}

// get returns the latest time noted, the zero time when none was.
func (l *latestTime) get() time.Time {
	if t := l.t.Load(); t != nil {
		return *t
	}
	return time.Time{}
}
