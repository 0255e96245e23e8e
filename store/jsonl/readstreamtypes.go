package jsonl

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
// order, as committed when the iteration begins (see store.StreamTypeReader). It finds them in
// the index, intersecting the stream's positions with the types' (see merge.Intersect), and
// reads only their lines.
func (s *Store) ReadStreamTypes(ctx context.Context, stream string, after store.Version, types []string) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		s.mu.RLock()
		if s.closed {
			s.mu.RUnlock()
			yield(store.Event{}, fmt.Errorf("jsonl: read stream types %s: %w", stream, store.ErrClosed))
			return
		}
		var positions []int64 // the stream's, after the version
		if id, ok := s.idx.lookup(stream); ok {
			positions = s.idx.streams[id].positions
			positions = positions[min(toIndex(after), len(positions)):]
		}
		var taken []*[]int64 // a type named twice is taken once (see ReadAllTypes)
		var lists [][]int64
		for _, t := range types {
			if l, ok := s.idx.types[t]; ok && !slices.Contains(taken, l) {
				taken = append(taken, l)
				lists = append(lists, *l)
			}
		}
		entries := s.idx.entries
		s.mu.RUnlock()
		if err := ctx.Err(); err != nil {
			yield(store.Event{}, err) // also when there is nothing to read
			return
		}

		r := reader{s: s, ctx: ctx, stream: stream}
		es := make([]entry, 0, min(readChunk, len(positions)))
		for p := range merge.Intersect(positions, lists) {
			if es = append(es, entries.at(int(p-1))); len(es) == readChunk {
				if !r.read(es, yield) {
					return
				}
				es = es[:0]
			}
		}
		r.read(es, yield)
	}
}
