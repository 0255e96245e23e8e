// Package memory provides an in-memory event store for tests and demos.
//
// The whole log lives in memory and is lost when the process ends, as are the sagas'
// checkpoints and the handlers' snapshots it keeps (store.Checkpointer, store.Snapshotter).
// It implements the full store.Store contract and every optional interface of package store
// (store.Header, store.EventsAppender, store.HandoverAppender, store.SharedReader,
// store.SharedSubscriber, store.StreamVersioner, store.TypeReader, store.Checkpointer,
// store.Snapshotter), and passes the storetest conformance suite.
package memory

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventgraph/eventgraph/internal/merge"
	"github.com/eventgraph/eventgraph/store"
)

var (
	_ store.Store            = (*Store)(nil)
	_ store.Header           = (*Store)(nil)
	_ store.EventsAppender   = (*Store)(nil)
	_ store.HandoverAppender = (*Store)(nil)
	_ store.SharedReader     = (*Store)(nil)
	_ store.SharedSubscriber = (*Store)(nil)
	_ store.StreamVersioner  = (*Store)(nil)
	_ store.TypeReader       = (*Store)(nil)
)

// streamIndex holds the positions of a stream's events, by version. A stream's entry in the
// map is made once, so an append to a known stream only looks the stream up.
type streamIndex struct {
	positions []store.Position // only ever appended
}

// list returns the stream's positions; none for a stream that has no index yet (nil).
func (x *streamIndex) list() []store.Position {
	if x == nil {
		return nil
	}
	return x.positions
}

// Store is an in-memory event store. The zero value is not usable; create one with New.
//
// Appends take one lock, which readers hold only to take a snapshot of the log, never while
// they handle events. Readers and subscribers keep only a cursor into the log, so a slow
// subscriber costs no memory and never blocks an append.
//
// The newest few thousand events are kept as they were appended; older ones are packed in
// the background, each block of 512 into one byte slice, which takes a third to a half less
// memory (224 against 339 bytes for an event of 110 bytes of data, 422 against 883 with the
// command handler's metadata) and nothing of the garbage collector's scans, however long the
// log grows. Reading packed events decodes them: a subscriber that has fallen that far
// behind, and a read of old events, spend some tens of nanoseconds more per event.
type Store struct {
	maxSize   int
	now       func() time.Time
	restamped func(lead time.Duration) // see WithRestampObserver; nil: none
	ids       *store.IDs
	closed    atomic.Bool

	mu      sync.RWMutex
	log     eventLog                // log.event(p-1, …) is the event at position p
	last    time.Time               // the time of the log's last event (see append)
	streams map[string]*streamIndex // created by a stream's first append
	// types holds the positions of each event type's events, so that ReadAllTypes finds a
	// rare type's events without passing over the others.
	types map[string]*[]store.Position
	// changed is closed and set to nil on each commit and on Close. It is created lazily by
	// a subscriber that has caught up, so appends with no waiting subscriber allocate nothing
	// for it.
	changed chan struct{}

	checkpoints map[string]store.Checkpoint // see Checkpoint; created by the first save
	snapMu      sync.Mutex                  // guards snapshots
	packing     sync.WaitGroup              // the goroutines packing old chunks (see eventLog.append)
	snapshots   map[string]store.Snapshot   // see Snapshot; created by the first save
}

// Option configures a Store.
type Option func(*Store)

// WithMaxEventSize sets the limit on one event's size in bytes (its stream id, type, event
// id, data and metadata, as store.DefaultMaxEventSize counts them).
// Values ≤ 0 select store.DefaultMaxEventSize.
func WithMaxEventSize(n int) Option {
	return func(s *Store) { s.maxSize = n }
}

// WithClock sets the clock that stamps appended events; the default is time.Now, which a
// nil now keeps. The store converts its readings to UTC, and stamps an append with the log's
// last event's time instead when the clock reads earlier (see store.Store's Append).
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithRestampObserver sets f to be told of each append that the store stamped later than its
// clock read, because the log's last event is later (see WithClock), with how much later
// (lead > 0): the clock was stepped back, or had been stepped forward and not yet caught up,
// and the events are dated by the last one's time instead. A concurrent append that read
// the clock later but committed first restamps the next one too, by the microseconds the
// latter waited for the lock: a consumer that warns an operator should ignore leads that
// short. f is called after the append committed, on its goroutine, without the store's
// lock; it must be quick and safe for concurrent use, and must not call the store. A nil f
// is ignored.
func WithRestampObserver(f func(lead time.Duration)) Option {
	return func(s *Store) { s.restamped = f }
}

// New returns an empty in-memory store.
func New(opts ...Option) *Store {
	s := &Store{now: time.Now, ids: store.NewIDs(), log: newLog(chunkShift, liveChunks), streams: make(map[string]*streamIndex), types: make(map[string]*[]store.Position)}
	for _, o := range opts {
		o(s)
	}
	if s.maxSize <= 0 {
		s.maxSize = store.DefaultMaxEventSize
	}
	return s
}

// Append atomically appends events to stream if its version satisfies expected.
// See store.Store for the contract.
func (s *Store) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	app, _, _, err := s.append(ctx, stream, expected, events, false)
	return app, err
}

// AppendEvents is Append returning the committed events as ReadStream yields them. They
// share Data and Metadata with events (which the caller owns), never with the store: Data
// is the caller's when it was already compact, else a copy of the compacted data. See
// store.EventsAppender.
func (s *Store) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	app, prepared, now, err := s.append(ctx, stream, expected, events, false)
	if err != nil {
		return app, nil, err
	}
	out := committed(stream, app, now, prepared)
	for i := range out {
		if bytes.Equal(events[i].Data, out[i].Data) {
			out[i].Data = events[i].Data
		} else {
			out[i].Data = bytes.Clone(out[i].Data)
		}
		out[i].Metadata = events[i].Metadata
	}
	return app, out, nil
}

// AppendHandover is AppendEvents keeping events' Data (when compact) and Metadata instead of
// copies; the returned events share them with the store. See store.HandoverAppender.
func (s *Store) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	app, prepared, now, err := s.append(ctx, stream, expected, events, true)
	if err != nil {
		return app, nil, err
	}
	return app, committed(stream, app, now, prepared), nil
}

// committed returns the events of an append that ended at app as the store holds them.
func committed(stream string, app store.Appended, now time.Time, prepared []store.EventData) []store.Event {
	out := make([]store.Event, len(prepared))
	n := len(prepared)
	for i, e := range prepared {
		back := n - 1 - i
		out[i] = store.Event{
			ID: e.ID, StreamID: stream, Version: app.Version - store.Version(back), Position: app.Position - store.Position(back),
			Type: e.Type, Time: now, Data: e.Data, Metadata: e.Metadata,
		}
	}
	return out
}

// append commits events and returns them as stored, with their time. A handed-over append
// keeps events' Data (when compact) and Metadata rather than copies.
func (s *Store) append(ctx context.Context, stream string, expected store.Version, events []store.EventData, handover bool) (store.Appended, []store.EventData, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("memory: append %s: %w", stream, err)
	}
	if s.closed.Load() {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("memory: append %s: %w", stream, store.ErrClosed)
	}
	prepare := store.PrepareWith
	if handover {
		prepare = store.PrepareShared
	}
	prepared, err := prepare(s.ids, stream, expected, events, s.maxSize)
	if err != nil {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("memory: append: %w", err)
	}
	// Read before the lock, so the lock is held for less; the append is stamped under it
	// with the later of this reading and the log's last event's time (without the monotonic
	// reading, which would hide the wall clock's steps).
	now := s.now().UTC().Round(0)

	// A plain Lock, not internal/yieldlock: the lock is held for the few hundred nanoseconds
	// of a map lookup and a copy, and appenders yielding for it cost more in the scheduler
	// than they saved (16 and 64 writers: 1.04–1.18 M and 1.11–1.16 M events/s yielding,
	// 1.38–1.42 M and 1.23–1.27 M queuing; bench/notes.md, sixteenth session).
	var old []*slot        // chunks that this append made old enough to pack
	var lead time.Duration // how much later than now the append was stamped
	defer func() {         // after the unlock below
		if lead > 0 && s.restamped != nil {
			s.restamped(lead)
		}
		if old != nil {
			// Packing takes a few hundred microseconds, which the append need not wait
			// for: an idle core does it, and Close waits for it.
			go func() {
				defer s.packing.Done()
				for _, o := range old {
					o.pack()
				}
			}()
		}
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("memory: append %s: %w", stream, store.ErrClosed)
	}
	idx := s.streams[stream]
	version := store.Version(len(idx.list()))
	if err := store.CheckVersion(stream, expected, version); err != nil {
		return store.Appended{}, nil, time.Time{}, fmt.Errorf("memory: append: %w", err)
	}
	if idx == nil {
		idx = new(streamIndex)
		s.streams[stream] = idx
	}
	// Times never decrease along the log: a clock stepped back, or read before a concurrent
	// append's that committed first, stamps the events with the last one's time.
	if now.Before(s.last) {
		lead = s.last.Sub(now)
		now = s.last
	}
	s.last = now
	pos := store.Position(s.log.len())
	for _, e := range prepared {
		version++
		pos++
		if o := s.log.append(store.Event{
			ID:       e.ID,
			StreamID: stream,
			Version:  version,
			Position: pos,
			Type:     e.Type,
			Time:     now,
			Data:     e.Data,
			Metadata: e.Metadata,
		}); o != nil {
			if old == nil {
				s.packing.Add(1) // under the lock, so that a Close after it waits
			}
			old = append(old, o)
		}
		idx.positions = append(idx.positions, pos)
		tl := s.types[e.Type]
		if tl == nil {
			tl = new([]store.Position)
			s.types[strings.Clone(e.Type)] = tl // the type may share the memory of a bigger buffer
		}
		*tl = append(*tl, pos)
	}
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return store.Appended{Version: version, Position: pos}, prepared, now, nil
}

// Head returns the position of the last committed event, 0 for an empty log.
func (s *Store) Head(ctx context.Context) (store.Position, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory: head: %w", err)
	}
	if s.closed.Load() {
		return 0, fmt.Errorf("memory: head: %w", store.ErrClosed)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return store.Position(s.log.len()), nil
}

// Close closes the store and wakes every waiting subscriber, which then yields
// store.ErrClosed. Closing a closed store returns store.ErrClosed.
func (s *Store) Close() error {
	defer s.packing.Wait() // after the unlock: a store closed leaves no goroutine behind
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Swap(true) {
		return fmt.Errorf("memory: close: %w", store.ErrClosed)
	}
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return nil
}

// snapshot returns the log as committed so far. Committed elements never change, so the
// returned slice may be read without the lock.
func (s *Store) snapshot() eventLog {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.log
}

// wait returns the log as committed so far and, when it holds no event past after, a
// channel that is closed on the next commit or on Close.
func (s *Store) wait(after store.Position) (eventLog, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if store.Position(s.log.len()) > after || s.closed.Load() {
		return s.log, nil
	}
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.log, s.changed
}

// check returns the cause an iterator stops for before its next event, if any.
func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// StreamVersion returns the version of the stream's last event, 0 when it has none. See
// store.StreamVersioner.
func (s *Store) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	if err := s.check(ctx); err != nil {
		return 0, fmt.Errorf("memory: stream version %s: %w", stream, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return store.Version(len(s.streams[stream].list())), nil
}

// ReadStream yields the stream's events with Version > after, in order, as committed when
// the iteration begins.
func (s *Store) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Event{}, fmt.Errorf("memory: read stream %s: %w", stream, err))
			return
		}
		s.mu.RLock()
		positions, log := s.streams[stream].list(), s.log
		s.mu.RUnlock()
		if after < 0 {
			after = 0
		}
		for i := int64(after); i < int64(len(positions)); i++ {
			if err := s.check(ctx); err != nil {
				yield(store.Event{}, fmt.Errorf("memory: read stream %s: %w", stream, err))
				return
			}
			if !yield(log.event(int(positions[i]-1), false), nil) {
				return
			}
		}
	}
}

// ReadAll yields every event with Position > after, in log order, up to the head when the
// iteration begins.
func (s *Store) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.readAll(ctx, after, false)
}

// ReadAllShared is ReadAll without the copy: the events share Data and Metadata with the
// store, and the caller must not modify them. See store.SharedReader.
func (s *Store) ReadAllShared(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.readAll(ctx, after, true)
}

func (s *Store) readAll(ctx context.Context, after store.Position, shared bool) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Event{}, fmt.Errorf("memory: read all: %w", err))
			return
		}
		log := s.snapshot()
		if after < 0 {
			after = 0
		}
		for i := int64(after); i < int64(log.len()); i++ {
			if err := s.check(ctx); err != nil {
				yield(store.Event{}, fmt.Errorf("memory: read all: %w", err))
				return
			}
			if !yield(log.event(int(i), shared), nil) {
				return
			}
		}
	}
}

// ReadAllTypes yields the events of the given types with Position > after, in log order,
// up to the head when the iteration begins, found through the positions of each type (see
// store.TypeReader).
func (s *Store) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Event{}, fmt.Errorf("memory: read all types: %w", err))
			return
		}
		s.mu.RLock()
		// A type named twice is taken once, compared with the lists taken (see the JSONL
		// store's ReadAllTypes).
		var taken []*[]store.Position
		var lists [][]store.Position
		for _, t := range types {
			if l, ok := s.types[t]; ok && !slices.Contains(taken, l) {
				taken = append(taken, l)
				lists = append(lists, merge.After(*l, after))
			}
		}
		log := s.log
		s.mu.RUnlock()
		for p := range merge.Ascending(lists) {
			if err := s.check(ctx); err != nil {
				yield(store.Event{}, fmt.Errorf("memory: read all types: %w", err))
				return
			}
			if !yield(log.event(int(p-1), false), nil) {
				return
			}
		}
	}
}

// Subscribe yields every event with Position > after: first the history, then each event
// as it is committed, until ctx ends (yielding its error) or the store is closed (yielding
// store.ErrClosed). The subscriber holds only a cursor: it never buffers and never blocks appends.
func (s *Store) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.subscribe(ctx, after, false)
}

// SubscribeShared is Subscribe without the copy: the events share Data and Metadata with the
// store, and the caller must not modify them. See store.SharedSubscriber.
func (s *Store) SubscribeShared(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.subscribe(ctx, after, true)
}

// subscribe yields the events from after on, shared or copies (see eventLog.event).
func (s *Store) subscribe(ctx context.Context, after store.Position, shared bool) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if after < 0 {
			after = 0
		}
		cursor := after
		for {
			if err := s.check(ctx); err != nil {
				yield(store.Event{}, fmt.Errorf("memory: subscribe: %w", err))
				return
			}
			log := s.snapshot()
			if int64(log.len()) <= int64(cursor) {
				var changed <-chan struct{}
				if log, changed = s.wait(cursor); changed != nil {
					select {
					case <-ctx.Done():
					case <-changed:
					}
					continue
				}
			}
			for ; int64(cursor) < int64(log.len()); cursor++ {
				if err := s.check(ctx); err != nil {
					yield(store.Event{}, fmt.Errorf("memory: subscribe: %w", err))
					return
				}
				if !yield(log.event(int(cursor), shared), nil) {
					return
				}
			}
		}
	}
}
