package memory_test

import (
	"context"
	"iter"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// TestStore_readsEndAtTheHeadWhenIterationBegins checks the bound ReadStream, ReadAll and
// ReadAllTypes document: an iterator reads the log as it is when its iteration begins, not
// when the method was called, so an event appended between the call and the range is
// yielded, and one appended during the range is not.
func TestStore_readsEndAtTheHeadWhenIterationBegins(t *testing.T) {
	readers := []struct {
		name string
		read func(ctx context.Context, s *memory.Store) iter.Seq2[store.Event, error]
	}{
		{"ReadStream", func(ctx context.Context, s *memory.Store) iter.Seq2[store.Event, error] {
			return s.ReadStream(ctx, "s", 0)
		}},
		{"ReadAll", func(ctx context.Context, s *memory.Store) iter.Seq2[store.Event, error] { return s.ReadAll(ctx, 0) }},
		{"ReadAllShared", func(ctx context.Context, s *memory.Store) iter.Seq2[store.Event, error] {
			return s.ReadAllShared(ctx, 0)
		}},
		{"ReadAllTypes", func(ctx context.Context, s *memory.Store) iter.Seq2[store.Event, error] {
			return s.ReadAllTypes(ctx, 0, []string{"T"})
		}},
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			s := memory.New()
			defer s.Close()
			appendT(t, s, store.NoStream)
			seq := r.read(t.Context(), s)
			appendT(t, s, 1) // after the call, before the iteration
			var got []store.Version
			for e, err := range seq {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e.Version)
				if e.Version == 1 {
					appendT(t, s, 2) // during the iteration
				}
			}
			if len(got) != 2 || got[0] != 1 || got[1] != 2 {
				t.Errorf("yielded versions %v, want [1 2]: the events committed when the iteration began", got)
			}
		})
	}
}

// appendT appends one event of type T to stream s, expecting version expected.
func appendT(tb testing.TB, s store.Store, expected store.Version) {
	tb.Helper()
	if _, err := s.Append(tb.Context(), "s", expected, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		tb.Fatal(err)
	}
}
