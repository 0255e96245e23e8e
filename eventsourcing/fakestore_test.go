package eventsourcing_test

import (
	"context"
	"iter"
	"maps"
	"sync"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// fakeStore is a minimal in-memory store.Store for these tests, used until store/memory
// is available. It keeps every event and wakes subscribers through a broadcast channel.
type fakeStore struct {
	mu      sync.Mutex
	events  []store.Event
	streams map[string][]int // indexes into events
	changed chan struct{}
	closed  bool
}

var (
	_ store.Store  = (*fakeStore)(nil)
	_ store.Header = (*fakeStore)(nil)
)

func newFakeStore() *fakeStore {
	return &fakeStore{streams: make(map[string][]int), changed: make(chan struct{})}
}

func (s *fakeStore) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	if err := ctx.Err(); err != nil {
		return store.Appended{}, err
	}
	prepared, err := store.Prepare(stream, expected, events, 0)
	if err != nil {
		return store.Appended{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.Appended{}, store.ErrClosed
	}
	version := store.Version(len(s.streams[stream]))
	if err := store.CheckVersion(stream, expected, version); err != nil {
		return store.Appended{}, err
	}
	now := time.Now().UTC()
	for _, e := range prepared {
		version++
		s.streams[stream] = append(s.streams[stream], len(s.events))
		s.events = append(s.events, store.Event{
			ID: e.ID, StreamID: stream, Version: version, Position: store.Position(len(s.events) + 1),
			Type: e.Type, Time: now, Data: e.Data, Metadata: e.Metadata,
		})
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return store.Appended{Version: version, Position: store.Position(len(s.events))}, nil
}

func (s *fakeStore) ReadStream(ctx context.Context, stream string, after store.Version) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			yield(store.Event{}, store.ErrClosed)
			return
		}
		var out []store.Event
		for _, i := range s.streams[stream] {
			if s.events[i].Version > after {
				out = append(out, clone(s.events[i]))
			}
		}
		s.mu.Unlock()
		for _, e := range out {
			if err := ctx.Err(); err != nil {
				yield(store.Event{}, err)
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			yield(store.Event{}, store.ErrClosed)
			return
		}
		var out []store.Event
		for _, e := range s.events[min(int(after), len(s.events)):] {
			out = append(out, clone(e))
		}
		s.mu.Unlock()
		for _, e := range out {
			if err := ctx.Err(); err != nil {
				yield(store.Event{}, err)
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for {
			s.mu.Lock()
			if s.closed {
				s.mu.Unlock()
				yield(store.Event{}, store.ErrClosed)
				return
			}
			var batch []store.Event
			for _, e := range s.events[min(int(after), len(s.events)):] {
				batch = append(batch, clone(e))
			}
			ch := s.changed
			s.mu.Unlock()
			for _, e := range batch {
				if !yield(e, nil) {
					return
				}
				after = e.Position
			}
			select {
			case <-ch:
			case <-ctx.Done():
				yield(store.Event{}, ctx.Err())
				return
			}
		}
	}
}

func (s *fakeStore) Head(ctx context.Context) (store.Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	return store.Position(len(s.events)), nil
}

func (s *fakeStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.changed)
	}
	return nil
}

func clone(e store.Event) store.Event {
	e.Metadata = maps.Clone(e.Metadata)
	return e
}
