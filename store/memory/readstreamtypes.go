package memory

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/eventgraph/eventgraph/internal/merge"
	"github.com/eventgraph/eventgraph/store"
)

var _ store.StreamTypeReader = (*Store)(nil)

// ReadStreamTypes yields the stream's events of the given types with Version > after, in
// order, up to the stream's end when the iteration begins (see store.StreamTypeReader): it
// intersects the stream's positions with the types' and copies only the events it yields.
func (s *Store) ReadStreamTypes(ctx context.Context, stream string, after store.Version, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		if err := s.check(ctx); err != nil {
			yield(store.Event{}, fmt.Errorf("memory: read stream types %s: %w", stream, err))
			return
		}
		s.mu.RLock()
		positions := s.streams[stream].list()
		positions = positions[min(max(after, 0), store.Version(len(positions))):]
		var taken []*[]store.Position // a type named twice is taken once (see ReadAllTypes)
		var lists [][]store.Position
		for _, t := range types {
			if l, ok := s.types[t]; ok && !slices.Contains(taken, l) {
				taken = append(taken, l)
				lists = append(lists, *l)
			}
		}
		log := s.log
		s.mu.RUnlock()
		for p := range merge.Intersect(positions, lists) {
			if err := s.check(ctx); err != nil {
				yield(store.Event{}, fmt.Errorf("memory: read stream types %s: %w", stream, err))
				return
			}
			if !yield(log.event(int(p-1), false), nil) {
				return
			}
		}
	}
}
