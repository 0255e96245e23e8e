package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkEventIDAt: a store that implements store.EventIDReader tells the id of the event at
// every position of the log, as ReadAll yields it, and none at 0, below it or beyond the
// head, also after a restart; with a canceled context it fails with the context's error, and
// after Close with store.ErrClosed.
func checkEventIDAt(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	if _, ok := s.(store.EventIDReader); !ok {
		tb.Logf("%T does not implement store.EventIDReader; nothing to check", s)
		return
	}
	for i := range 10 {
		mustAppend(tb, ctx, s, fmt.Sprintf("s%d", i%3), store.Any, ev("A", map[string]int{"n": i}), ev("B", map[string]int{"n": -i}))
	}
	check := func(when string, s store.Store) {
		r := s.(store.EventIDReader)
		all := mustCollect(tb, when+": ReadAll(0)", s.ReadAll(ctx, 0))
		for _, e := range all {
			if id, ok, err := r.EventIDAt(ctx, e.Position); err != nil || !ok || id != e.ID {
				tb.Errorf("%s: EventIDAt(%d) = %q, %v, %v; want %q", when, e.Position, id, ok, err, e.ID)
			}
		}
		for _, p := range []store.Position{-1, 0, store.Position(len(all)) + 1, 1 << 40} {
			if id, ok, err := r.EventIDAt(ctx, p); err != nil || ok || id != "" {
				tb.Errorf("%s: EventIDAt(%d) = %q, %v, %v; want none", when, p, id, ok, err)
			}
		}
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := r.EventIDAt(canceled, 1); !errors.Is(err, context.Canceled) {
			tb.Errorf("%s: EventIDAt with a canceled context: %v, want context.Canceled", when, err)
		}
	}
	check("before a restart", s)
	if h.Reopen != nil {
		s = reopen(tb, h, s)
		check("after a restart", s)
	}
	if err := s.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
	if _, _, err := s.(store.EventIDReader).EventIDAt(ctx, 1); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("EventIDAt after Close: %v, want store.ErrClosed", err)
	}
}
