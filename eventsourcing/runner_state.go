package eventsourcing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// DefaultStateInterval is how often a Runner saves its projections' states by default (see
// WithStateInterval).
const DefaultStateInterval = time.Minute

// WithStateInterval sets how often the plain projections' states are saved when the store
// keeps them (store.StateKeeper) and every plain projection is a StatefulProjection (see
// Runner): every d, when the projections moved on since the last save. d < 0 turns states
// off: none is loaded at start, none saved. d == 0 keeps the default.
func WithStateInterval(d time.Duration) RunnerOption {
	return func(r *Runner) {
		if d != 0 {
			r.stateInterval = d
		}
	}
}

// WithStateEvery makes the Runner also save the projections' states once every n events
// they apply after the head at Run's start (see WithStateInterval; the count goes on
// across the interval's saves, and a Runner that keeps no states ignores it), so that a
// log that grows fast is not replayed far at the next start. The replay of the log up to
// that head is saved by the interval alone. n < 1, the default, saves by the interval only.
func WithStateEvery(n int) RunnerOption {
	return func(r *Runner) { r.stateEvery = max(n, 0) }
}

// stateKeeper returns the store's StateKeeper when states are on and every projection of
// group keeps a state, or nil.
func (r *Runner) stateKeeper(group []*processor) store.StateKeeper {
	sk, ok := r.store.(store.StateKeeper)
	if !ok || r.stateInterval < 0 || len(group) == 0 {
		return nil
	}
	for _, q := range group {
		if _, ok := q.projection.(StatefulProjection); !ok {
			r.logger.Info("eventsourcing: projection keeps no state: the read models replay the log at every start", "projection", q.name)
			return nil
		}
	}
	return sk
}

// loadStates loads the group's states saved in sk, when they are valid for this log whose
// head is head, and starts the group after their position; otherwise the projections stay
// as they are, empty, and replay the log from its start.
func (r *Runner) loadStates(ctx context.Context, sk store.StateKeeper, group []*processor, head store.Position) {
	ps, ok, err := sk.ProjectionStates(ctx)
	if err == nil && ok && (ps.Position > head || ps.Head > head) {
		// Another server sharing the states (PostgreSQL) may have saved them after head was
		// read: they are beyond the log's head only if they are beyond it now.
		if h, herr := store.Head(ctx, r.store); herr == nil {
			head = h
		}
	}
	replay := func(msg string, args ...any) {
		if ctx.Err() == nil {
			r.logger.Warn("eventsourcing: projection states "+msg+"; replaying the log from the start", args...)
		}
	}
	// States of other projections, or of another revision of one, are what a release that
	// changed the read models finds at its first start: expected, so said at Info.
	upgraded := func(msg string, args ...any) {
		if ctx.Err() == nil {
			r.logger.Info("eventsourcing: projection states "+msg+" (as after an upgrade that changed the read models); replaying the log from the start", args...)
		}
	}
	switch {
	case err != nil:
		replay("unreadable", "err", err)
		return
	case !ok:
		r.logger.Info("eventsourcing: no projection states saved; replaying the log from the start")
		return
	case ps.Position > head || ps.Head > head:
		replay("beyond the log's head", "position", ps.Position, "statesHead", ps.Head, "head", head)
		return
	}
	switch other, err := otherEvent(ctx, r.store, ps.Position, ps.EventID, ps.Head, ps.HeadEventID); {
	case err != nil:
		replay("not checked", "err", err)
		return
	case other.at != 0:
		replay("of another log", "position", other.at, "statesEventId", other.want, "eventId", other.held)
		return
	}
	byName := make(map[string]store.ProjectionState, len(ps.States))
	for _, st := range ps.States {
		byName[st.Name] = st
	}
	if len(byName) != len(group) {
		upgraded("of other projections", "states", len(byName), "projections", len(group))
		return
	}
	for _, q := range group {
		st, ok := byName[q.name]
		rev := q.projection.(StatefulProjection).StateRevision()
		switch {
		case !ok:
			upgraded("of other projections", "missing", q.name)
			return
		case st.Revision != rev:
			upgraded("of another revision", "projection", q.name, "revision", st.Revision, "want", rev)
			return
		}
	}
	// Each projection's state as it is, empty, to put back should a later one fail.
	fresh := make([][]byte, 0, len(group))
	for i, q := range group {
		p := q.projection.(StatefulProjection)
		var b bytes.Buffer
		err := writeState(p, &b)
		if err == nil {
			fresh = append(fresh, b.Bytes())
			err = readState(p, byName[q.name].Data)
		}
		if err != nil {
			for j, done := range group[:i] {
				if perr := readState(done.projection.(StatefulProjection), fresh[j]); perr != nil {
					// A projection that cannot take back its own empty state is broken: it stops.
					r.stopProjection(done, store.Event{}, fmt.Errorf("state: put back the empty state: %w", perr))
				}
			}
			replay("not loaded", "projection", q.name, "err", err)
			return
		}
	}
	r.mu.Lock()
	for _, q := range group {
		q.pos, q.posID = ps.Position, ps.EventID
	}
	r.states.Loaded, r.states.Position = ps.Position, ps.Position
	r.notifyLocked()
	r.mu.Unlock()
	r.stateSaved = ps.Position
	r.logger.Info("eventsourcing: projections resume from their saved states", "position", ps.Position, "head", head)
}

// keepStates saves the group's states every r.stateInterval, and when the group's goroutine
// asks (WithStateEvery), until ctx ends.
func (r *Runner) keepStates(ctx context.Context, sk store.StateKeeper, group []*processor) {
	t := time.NewTicker(r.stateInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.stateDue:
		}
		r.saveStates(ctx, sk, group, false)
	}
}

// saveStates saves the group's states when it moved on since the last save and none of its
// projections stopped; final is set for Run's save on its way out. Only the encoding holds
// the group back (it takes stateMu, which the group's goroutine holds while it applies an
// event); the write to the store does not.
func (r *Runner) saveStates(ctx context.Context, sk store.StateKeeper, group []*processor, final bool) {
	r.stateMu.Lock()
	start := time.Now()
	r.mu.Lock()
	pos, id, ok := group[0].pos, group[0].posID, true
	for _, q := range group {
		ok = ok && !q.stopped && q.pos == pos
	}
	r.mu.Unlock()
	if !ok || pos <= r.stateSaved || id == "" {
		r.stateMu.Unlock()
		return
	}
	ps := store.ProjectionStates{Position: pos, EventID: id, States: make([]store.ProjectionState, len(group))}
	var err error
	for i, q := range group {
		p := q.projection.(StatefulProjection)
		var b bytes.Buffer
		if err = writeState(p, &b); err != nil {
			err = fmt.Errorf("projection %s: %w", q.name, err)
			break
		}
		ps.States[i] = store.ProjectionState{Name: q.name, Revision: p.StateRevision(), Data: b.Bytes()}
	}
	r.stateMu.Unlock()
	encode := time.Since(start)
	if err == nil {
		// Read after the states: a projection that read ahead of pos (CommandIndex) read no
		// further than this head.
		ps.Head, err = store.Head(ctx, r.store)
		if err == nil {
			ps.HeadEventID, err = eventIDAt(ctx, r.store, ps.Head)
		}
	}
	if err == nil {
		err = sk.SaveProjectionStates(ctx, ps)
	}
	if err != nil {
		level, msg := slog.LevelWarn, "eventsourcing: projection states not saved; retrying at the next interval"
		// Shutting down: Run saves once more on its way out, and that save is no recovery.
		shutdown := !final && (errors.Is(err, store.ErrClosed) || ctx.Err() != nil)
		switch {
		case final:
			msg = "eventsourcing: projection states not saved as Run returned; the next Run replays the log from the states saved before"
		case shutdown:
			level = slog.LevelDebug
		case r.stateFailing:
			level = slog.LevelDebug // said once, not every interval
		}
		r.stateFailing = r.stateFailing || !shutdown
		r.logger.Log(ctx, level, msg, "position", pos, "err", err)
		if !shutdown {
			r.mu.Lock()
			r.states.Failures++
			r.states.LastError = err.Error()
			r.states.Encode, r.states.Save = encode, time.Since(start)
			r.mu.Unlock()
		}
		return
	}
	var size int64
	for _, st := range ps.States {
		size += int64(len(st.Data))
	}
	r.mu.Lock()
	r.states.Position, r.states.SavedAt, r.states.Bytes = pos, time.Now(), size
	r.states.Saves++
	r.states.LastError = ""
	r.states.Encode, r.states.Save = encode, time.Since(start)
	r.mu.Unlock()
	if r.stateFailing {
		r.stateFailing = false
		r.logger.Info("eventsourcing: projection states saved again", "position", pos)
	}
	r.stateSaved = pos
	r.logger.Debug("eventsourcing: projection states saved", "position", pos)
}

// stateApplied counts an event the shared group applied, at pos, and asks keepStates for a
// save once WithStateEvery's count is reached. Called by the group's goroutine only.
//
// The events up to the head at Run's start are not counted: replaying them (a first start,
// states of another revision) with a save every n events would encode and write the whole,
// growing states over and over, O(the log² ÷ n) bytes, and hold the replay back at each
// encoding. The interval's saves keep the replay's progress meanwhile.
func (r *Runner) stateApplied(pos store.Position) {
	if r.stateEvery < 1 || pos <= r.stateReplay {
		return
	}
	if r.sinceState++; r.sinceState >= r.stateEvery {
		r.sinceState = 0
		select {
		case r.stateDue <- struct{}{}:
		default: // a save is asked for already
		}
	}
}

// writeState calls WriteState, turning a panic into an error.
func writeState(p StatefulProjection, b *bytes.Buffer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("write state panicked: %v", v)
		}
	}()
	return p.WriteState(b)
}

// readState calls ReadState, turning a panic into an error.
func readState(p StatefulProjection, data []byte) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("read state panicked: %v", v)
		}
	}()
	return p.ReadState(bytes.NewReader(data))
}

// StatesStatus reports on the plain projections' states (see WithStateInterval): whether
// they are kept, which position a restart would load them at, and how their saves fare,
// since Run started. A monitor compares Position with the projections' (Status): the
// events between are those a restart replays.
type StatesStatus struct {
	// Kept says that states are loaded and saved: the store keeps them, every plain
	// projection is a StatefulProjection, and WithStateInterval did not turn them off. It
	// is false before Run has looked, and the other fields are then zero.
	Kept bool
	// Loaded is the position of the states Run loaded at start, 0 when it loaded none (the
	// projections replayed the log from its start).
	Loaded store.Position
	// Position is the position of the states saved last, or loaded at start when none was
	// saved since: a restart now would load them and replay the events after it.
	Position store.Position
	SavedAt  time.Time // when the last save succeeded; zero before the first
	Bytes    int64     // the size of the states saved last, all projections' together
	Saves    int64     // saves that succeeded (a save is skipped when the projections did not move)
	Failures int64     // saves that failed, each logged
	// LastError is the last failure, "" when the last save succeeded or none failed.
	LastError string
	// Encode is how long the last save held the projections back while it encoded their
	// states, and Save how long it took in all, the write to the store included.
	Encode, Save time.Duration
}

// StatesStatus reports on the plain projections' states (see StatesStatus).
func (r *Runner) StatesStatus() StatesStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.states
}
