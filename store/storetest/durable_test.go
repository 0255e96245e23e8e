package storetest_test

import (
	"context"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// keeper makes a memory store "durable" for the restart checks: on Close it keeps the log,
// and reopening builds a new memory store holding the same events (ids, times and all).
// The store the checks use may be the memory store wrapped by a broken layer; the log is
// always taken from the memory store underneath.
type keeper struct {
	store.Store
	mem   *memory.Store
	mu    sync.RWMutex // Append holds it shared, Close exclusively, so no append slips past the save
	saved []store.Event
	done  bool

	checkpoints map[string]store.Checkpoint // saved through the keeper, kept across a restart
	snapshots   map[string]store.Snapshot   // likewise
	states      *store.ProjectionStates     // likewise; the memory store keeps none of its own
}

// ProjectionStates and SaveProjectionStates keep a set of projection states in the keeper,
// so that the suite checks store.StateKeeper's contract on a memory store too.
func (k *keeper) ProjectionStates(ctx context.Context) (store.ProjectionStates, bool, error) {
	if err := ctx.Err(); err != nil {
		return store.ProjectionStates{}, false, err
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.done {
		return store.ProjectionStates{}, false, store.ErrClosed
	}
	if k.states == nil {
		return store.ProjectionStates{}, false, nil
	}
	return *k.states, true, nil
}

func (k *keeper) SaveProjectionStates(ctx context.Context, ps store.ProjectionStates) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckProjectionStates(ps); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done {
		return store.ErrClosed
	}
	ps.States = slices.Clone(ps.States)
	for i := range ps.States {
		ps.States[i].Data = slices.Clone(ps.States[i].Data)
	}
	k.states = &ps
	return nil
}

// Snapshot and SaveSnapshot keep snapshots in the memory store underneath, and what it
// holds after each save in the keeper too, so that a restart keeps them.
func (k *keeper) Snapshot(ctx context.Context, stream string) (store.Snapshot, bool, error) {
	return k.mem.Snapshot(ctx, stream)
}

func (k *keeper) SaveSnapshot(ctx context.Context, stream string, snap store.Snapshot) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.mem.SaveSnapshot(ctx, stream, snap); err != nil {
		return err
	}
	kept, _, err := k.mem.Snapshot(ctx, stream)
	if err != nil {
		return err
	}
	if k.snapshots == nil {
		k.snapshots = make(map[string]store.Snapshot)
	}
	k.snapshots[stream] = kept
	return nil
}

// Checkpoint and SaveCheckpoint keep checkpoints in the memory store underneath, and in the
// keeper too, so that a restart keeps them.
func (k *keeper) Checkpoint(ctx context.Context, name string) (store.Checkpoint, error) {
	return k.mem.Checkpoint(ctx, name)
}

func (k *keeper) SaveCheckpoint(ctx context.Context, name string, c store.Checkpoint) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.mem.SaveCheckpoint(ctx, name, c); err != nil {
		return err
	}
	if k.checkpoints == nil {
		k.checkpoints = make(map[string]store.Checkpoint)
	}
	k.checkpoints[name] = c
	return nil
}

// StreamVersion passes the wrapped store's StreamVersion through, so that the suite checks
// it; a wrapped store without one gets its version from ReadStream.
func (k *keeper) StreamVersion(ctx context.Context, stream string) (store.Version, error) {
	if sv, ok := k.Store.(store.StreamVersioner); ok {
		return sv.StreamVersion(ctx, stream)
	}
	var v store.Version
	for e, err := range k.ReadStream(ctx, stream, 0) {
		if err != nil {
			return 0, err
		}
		v = e.Version
	}
	return v, nil
}

// ReadStreamTypes passes the wrapped store's ReadStreamTypes through, so that the suite checks
// it; a wrapped store without one has ReadStream filtered.
func (k *keeper) ReadStreamTypes(ctx context.Context, stream string, after store.Version, types []string) iter.Seq2[store.Event, error] {
	if tr, ok := k.Store.(store.StreamTypeReader); ok {
		return tr.ReadStreamTypes(ctx, stream, after, types)
	}
	return func(yield func(store.Event, error) bool) {
		for e, err := range k.ReadStream(ctx, stream, after) {
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			if slices.Contains(types, e.Type) && !yield(e, nil) {
				return
			}
		}
	}
}

// ReadAllTypes passes the wrapped store's ReadAllTypes through, so that the suite checks
// it; a wrapped store without one has ReadAll filtered.
func (k *keeper) ReadAllTypes(ctx context.Context, after store.Position, types []string) iter.Seq2[store.Event, error] {
	if tr, ok := k.Store.(store.TypeReader); ok {
		return tr.ReadAllTypes(ctx, after, types)
	}
	return func(yield func(store.Event, error) bool) {
		for e, err := range k.ReadAll(ctx, after) {
			if err != nil {
				yield(store.Event{}, err)
				return
			}
			if slices.Contains(types, e.Type) && !yield(e, nil) {
				return
			}
		}
	}
}

func (k *keeper) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.Store.Append(ctx, stream, expected, events...)
}

// AppendHandover passes a handed-over append to the wrapped store when it takes them, and
// else to the memory store underneath, so that the suite checks it either way.
func (k *keeper) AppendHandover(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if ha, ok := k.Store.(store.HandoverAppender); ok {
		return ha.AppendHandover(ctx, stream, expected, events...)
	}
	return k.mem.AppendHandover(ctx, stream, expected, events...)
}

// AppendEvents passes an append that returns its events to the wrapped store when it
// returns them, and else to the memory store underneath, so that the suite checks it either
// way.
func (k *keeper) AppendEvents(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, []store.Event, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if ea, ok := k.Store.(store.EventsAppender); ok {
		return ea.AppendEvents(ctx, stream, expected, events...)
	}
	return k.mem.AppendEvents(ctx, stream, expected, events...)
}

func (k *keeper) Head(ctx context.Context) (store.Position, error) { return k.mem.Head(ctx) }

func (k *keeper) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.done {
		k.done = true
		for e, err := range k.mem.ReadAll(context.Background(), 0) {
			if err != nil {
				break // already closed through another path: keep what was saved
			}
			k.saved = append(k.saved, e)
		}
	}
	return k.Store.Close()
}

// durable returns a harness whose stores are memory stores wrapped by wrap and kept by a
// keeper, so Reopen works.
func durable(wrap func(*memory.Store) store.Store, opts ...memory.Option) storetest.Harness {
	return durableReloading(wrap, nil, opts...)
}

// durableReloading is durable with a restart that passes the kept events through reload,
// when it is not nil, before the new store holds them: a restart that changes or loses
// events.
func durableReloading(wrap func(*memory.Store) store.Store, reload func([]store.Event) []store.Event, opts ...memory.Option) storetest.Harness {
	newKeeper := func(mem *memory.Store) *keeper { return &keeper{Store: wrap(mem), mem: mem} }
	return storetest.Harness{
		New: func(testing.TB) store.Store { return newKeeper(memory.New(opts...)) },
		NewClocked: func(_ testing.TB, now func() time.Time) store.Store {
			return newKeeper(memory.New(append(slices.Clip(opts), memory.WithClock(now))...))
		},
		ReadsEndAtIterationStart: true,
		Reopen: func(tb testing.TB, s store.Store) store.Store {
			tb.Helper()
			k, ok := s.(*keeper)
			if !ok {
				tb.Fatalf("reopen: %T is not a keeper", s)
			}
			_ = k.Close()
			k.mu.Lock()
			events, checkpoints, snapshots, states := k.saved, k.checkpoints, k.snapshots, k.states
			k.mu.Unlock()
			if reload != nil {
				events = reload(slices.Clone(events))
			}
			var mu sync.Mutex
			next := 0 // the clock replays the original times, then runs normally
			clock := func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				if next < len(events) {
					next++
					return events[next-1].Time
				}
				return time.Now()
			}
			mem := memory.New(append(opts, memory.WithClock(clock))...)
			for _, e := range events {
				d := store.EventData{ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
				if _, err := mem.Append(context.Background(), e.StreamID, e.Version-1, d); err != nil {
					tb.Fatalf("reopen: %v", err)
				}
			}
			for name, c := range checkpoints {
				if err := mem.SaveCheckpoint(context.Background(), name, c); err != nil {
					tb.Fatalf("reopen: %v", err)
				}
			}
			for stream, snap := range snapshots {
				if err := mem.SaveSnapshot(context.Background(), stream, snap); err != nil {
					tb.Fatalf("reopen: %v", err)
				}
			}
			k2 := newKeeper(mem)
			k2.checkpoints, k2.snapshots, k2.states = checkpoints, snapshots, states
			return k2
		},
	}
}

func identity(s *memory.Store) store.Store { return s }
