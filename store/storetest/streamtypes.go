package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkReadStreamTypes: a store that implements store.StreamTypeReader yields exactly what
// ReadStream filtered by type yields, for any stream (one whose events of a type are few in a
// long log, many among few, none, one that does not exist), any set of types (repeated,
// unknown, none) and any version, also after a restart; the events are the caller's; with a
// canceled context it yields the context's error, and after Close store.ErrClosed.
func checkReadStreamTypes(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	if _, ok := s.(store.StreamTypeReader); !ok {
		tb.Logf("%T does not implement store.StreamTypeReader; nothing to check", s)
		return
	}
	types := oddTypes()
	// "long": 60 events of which 3 are of type B; "short": 4, of every kind; "other": many
	// events of type B, around the others, so that a type's positions outnumber a stream's.
	for i := range 60 {
		typ := "A"
		if i%20 == 7 {
			typ = "B"
		}
		mustAppend(tb, ctx, s, "long", store.Any, ev(typ, map[string]int{"n": i}))
		if i%15 == 0 {
			mustAppend(tb, ctx, s, "short", store.Any, ev(types[i/15+2], map[string]int{"n": i}), ev("B", map[string]int{"n": -i}))
		}
		mustAppend(tb, ctx, s, "other", store.Any, ev("B", map[string]int{"n": i}), ev("a", map[string]int{"n": i}))
	}
	check := func(when string, s store.Store) {
		tr := s.(store.StreamTypeReader)
		sets := [][]string{
			{"A"}, {"a"}, {"B"}, {"B", "A"}, {"A", "A", "B", "A"}, {types[3], types[4], types[5]},
			{"missing"}, {"B", "missing"}, nil, {}, types,
		}
		for _, stream := range []string{"long", "short", "other", "missing"} {
			all := readStream(tb, ctx, s, stream, 0)
			for _, set := range sets {
				for _, after := range []store.Version{-1, 0, 1, 2, 7, 8, 30, 59, 60, 61, 1 << 40} {
					what := fmt.Sprintf("%s: ReadStreamTypes(%q, %d, %q)", when, stream, after, set)
					var want []store.Event
					for _, e := range all {
						if e.Version > after && slices.Contains(set, e.Type) {
							want = append(want, e)
						}
					}
					sameEvents(tb, what, want, mustCollect(tb, what, tr.ReadStreamTypes(ctx, stream, after, set)))
				}
			}
		}
		// What it yields is the caller's: changing it changes nothing anyone reads next.
		for _, e := range mustCollect(tb, when+": ReadStreamTypes(long, 0, [B])", tr.ReadStreamTypes(ctx, "long", 0, []string{"B"})) {
			e.Data[2] = 'X'
		}
		long := mustCollect(tb, when+": ReadStream(long)", s.ReadStream(ctx, "long", 0))
		again := mustCollect(tb, when+": ReadStreamTypes(long, 0, [B])", tr.ReadStreamTypes(ctx, "long", 0, []string{"B"}))
		if len(long) < 8 || len(again) < 1 {
			tb.Fatalf("%s: ReadStream(long) yielded %d events and ReadStreamTypes(long, 0, [B]) %d, want 60 and 3", when, len(long), len(again))
		}
		sameEvents(tb, when+": ReadStreamTypes after a caller changed what it yielded", long[7:8], again[:1])

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if evs, err := collect(tr.ReadStreamTypes(canceled, "long", 0, []string{"A"})); !errors.Is(err, context.Canceled) || len(evs) > MaxAfterCancel {
			tb.Errorf("%s: ReadStreamTypes with a canceled context: %d events and error %v, want context.Canceled", when, len(evs), err)
		}
		if evs, err := collect(tr.ReadStreamTypes(canceled, "missing", 0, []string{"A"})); !errors.Is(err, context.Canceled) || len(evs) != 0 {
			tb.Errorf("%s: ReadStreamTypes of a missing stream with a canceled context: %d events and error %v, want context.Canceled", when, len(evs), err)
		}
	}
	check("before a restart", s)
	if h.Reopen != nil {
		s = reopen(tb, h, s)
		check("after a restart", s)
	}
	tr := s.(store.StreamTypeReader)
	seq := tr.ReadStreamTypes(ctx, "long", 0, []string{"B"}) // made before Close, ranged over after
	if err := s.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
	for _, it := range []struct {
		what string
		seq  func(yield func(store.Event, error) bool)
	}{{"made before Close", seq}, {"made after Close", tr.ReadStreamTypes(ctx, "long", 0, []string{"B"})}} {
		if evs, err := collect(it.seq); len(evs) != 0 || !errors.Is(err, store.ErrClosed) {
			tb.Errorf("ReadStreamTypes %s: %d events and error %v, want only ErrClosed", it.what, len(evs), err)
		}
	}
}
