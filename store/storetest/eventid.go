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
// after Close with store.ErrClosed. One that implements store.EventIDsReader tells them all
// at once too (checkEventIDsAt).
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
		if br, ok := s.(store.EventIDsReader); ok {
			checkEventIDsAt(tb, ctx, when, br, all)
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
	if br, ok := s.(store.EventIDsReader); ok {
		if _, err := br.EventIDsAt(ctx, []store.Position{1}); !errors.Is(err, store.ErrClosed) {
			tb.Errorf("EventIDsAt after Close: %v, want store.ErrClosed", err)
		}
	}
}

// checkEventIDsAt: a store that implements store.EventIDsReader tells the ids of the events
// at many positions at once, in any order and repeated, as ReadAll yields them (all), and
// none at 0, below it or beyond the head.
func checkEventIDsAt(tb testing.TB, ctx context.Context, when string, r store.EventIDsReader, all []store.Event) {
	tb.Helper()
	want := map[store.Position]string{}
	var ps []store.Position
	for i := len(all) - 1; i >= 0; i-- { // backwards, every other one twice
		ps = append(ps, all[i].Position)
		if i%2 == 0 {
			ps = append(ps, all[i].Position)
		}
		want[all[i].Position] = all[i].ID
	}
	ps = append(ps, -1, 0, store.Position(len(all))+1, 1<<40)
	got, err := r.EventIDsAt(ctx, ps)
	if err != nil || len(got) != len(want) {
		tb.Errorf("%s: EventIDsAt(%v) = %v, %v; want %v", when, ps, got, err, want)
	}
	for p, id := range want {
		if got[p] != id {
			tb.Errorf("%s: EventIDsAt(…)[%d] = %q, want %q", when, p, got[p], id)
		}
	}
	if got, err := r.EventIDsAt(ctx, nil); err != nil || len(got) != 0 {
		tb.Errorf("%s: EventIDsAt(nil) = %v, %v; want none", when, got, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.EventIDsAt(canceled, []store.Position{1}); !errors.Is(err, context.Canceled) {
		tb.Errorf("%s: EventIDsAt with a canceled context: %v, want context.Canceled", when, err)
	}
}
