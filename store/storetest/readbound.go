package storetest

import (
	"context"
	"iter"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// readers lists the finite reads of s: ReadStream of stream "s", ReadAll, and those of the
// optional interfaces the store implements (ReadAllTypes of type "T", ReadAllShared).
func readers(s store.Store) []struct {
	name string
	read func(ctx context.Context) iter.Seq2[store.Event, error]
} {
	type reader = struct {
		name string
		read func(ctx context.Context) iter.Seq2[store.Event, error]
	}
	out := []reader{
		{"ReadStream", func(ctx context.Context) iter.Seq2[store.Event, error] { return s.ReadStream(ctx, "s", 0) }},
		{"ReadAll", func(ctx context.Context) iter.Seq2[store.Event, error] { return s.ReadAll(ctx, 0) }},
	}
	if tr, ok := s.(store.TypeReader); ok {
		out = append(out, reader{"ReadAllTypes", func(ctx context.Context) iter.Seq2[store.Event, error] {
			return tr.ReadAllTypes(ctx, 0, []string{"T"})
		}})
	}
	if sr, ok := s.(store.SharedReader); ok {
		out = append(out, reader{"ReadAllShared", func(ctx context.Context) iter.Seq2[store.Event, error] {
			return sr.ReadAllShared(ctx, 0)
		}})
	}
	return out
}

// checkReadBound: a read's iterator reads the log as it is when its iteration begins, not
// as it was when the method was called, so an event committed between the call and the
// range is yielded (as a Go iterator does nothing until it is ranged over). An event
// committed during the iteration may be yielded, as the next event of the log, unless the
// harness says the store's reads end at the head as their iteration begins
// (Harness.ReadsEndAtIterationStart): then it must not be.
func checkReadBound(tb testing.TB, h Harness) {
	_, probe := open(tb, h)
	for i := range readers(probe) {
		// Each reader gets a store of its own: the first event of the log is at 1.
		ctx, s := open(tb, h)
		r := readers(s)[i]
		mustAppend(tb, ctx, s, "s", store.NoStream, ev("T", 1))
		seq := r.read(ctx)
		mustAppend(tb, ctx, s, "s", 1, ev("T", 2)) // after the call, before the iteration
		var got []store.Version
		for e, err := range seq {
			if err != nil {
				tb.Fatalf("%s: %v", r.name, err)
			}
			got = append(got, e.Version)
			if e.Version == 1 {
				mustAppend(tb, ctx, s, "s", 2, ev("T", 3)) // during the iteration
			}
			if len(got) > 3 {
				break
			}
		}
		switch {
		case len(got) < 2 || got[0] != 1 || got[1] != 2:
			tb.Errorf("%s yielded versions %v, want [1 2] first: the events committed when its iteration began (one was committed after the call, before the range)", r.name, got)
		case len(got) == 3 && got[2] == 3 && h.ReadsEndAtIterationStart:
			tb.Errorf("%s yielded versions %v, want [1 2]: the harness says reads end at the head as their iteration begins, and version 3 was committed during it", r.name, got)
		case len(got) > 3 || len(got) == 3 && got[2] != 3:
			tb.Errorf("%s yielded versions %v, want [1 2] or [1 2 3]", r.name, got)
		}
	}
}
