package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkProjectionStates: a store that keeps projections' states (store.StateKeeper) has
// none at first, returns the set saved last, whole, with each state's bytes as saved (a
// buffer the caller reuses after the save does not change them); refuses what
// store.CheckProjectionStates refuses, keeping the set before; keeps the set across a
// restart when the harness can restart it; and fails with ErrClosed after Close. States
// are not events: the log does not change. It is skipped for a store that keeps none.
func checkProjectionStates(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	if _, ok := s.(store.StateKeeper); !ok {
		tb.Skipf("%T keeps no projection states (store.StateKeeper)", s)
	}
	sk := func() store.StateKeeper { return s.(store.StateKeeper) }
	mustAppend(tb, ctx, s, "a", store.NoStream, numbered("T", 0, 3)...)
	evs := readAll(tb, ctx, s, 0)
	if len(evs) != 3 {
		tb.Fatalf("ReadAll after appending 3 events yielded %d", len(evs))
	}

	if got, ok, err := sk().ProjectionStates(ctx); ok || err != nil {
		tb.Fatalf("ProjectionStates before any save = %+v, %v, %v; want none", got, ok, err)
	}
	want := func(when string, w store.ProjectionStates) {
		tb.Helper()
		got, ok, err := sk().ProjectionStates(ctx)
		if err != nil || !ok {
			tb.Fatalf("%s: ProjectionStates = %v, %v; want the set at %d", when, ok, err, w.Position)
		}
		if got.Position != w.Position || got.EventID != w.EventID || got.Head != w.Head || got.HeadEventID != w.HeadEventID || len(got.States) != len(w.States) {
			tb.Fatalf("%s: ProjectionStates = %+v; want %+v", when, got, w)
		}
		for i := range w.States {
			if g := got.States[i]; g.Name != w.States[i].Name || g.Revision != w.States[i].Revision || !bytes.Equal(g.Data, w.States[i].Data) {
				tb.Errorf("%s: state %d = %q %q %q; want %q %q %q", when, i, g.Name, g.Revision, g.Data, w.States[i].Name, w.States[i].Revision, w.States[i].Data)
			}
		}
	}
	save := func(ps store.ProjectionStates) {
		tb.Helper()
		if err := sk().SaveProjectionStates(ctx, ps); err != nil {
			tb.Fatalf("SaveProjectionStates at %d: %v", ps.Position, err)
		}
	}
	buf := []byte("first\x00\xffbinary")
	first := store.ProjectionStates{Position: 1, EventID: evs[0].ID, Head: 2, HeadEventID: evs[1].ID, States: []store.ProjectionState{
		{Name: "a", Revision: "1", Data: buf}, {Name: "b", Revision: "r2", Data: nil}, {Name: "c", Revision: "", Data: []byte("c")},
	}}
	saved := store.ProjectionStates{Position: first.Position, EventID: first.EventID, Head: first.Head, HeadEventID: first.HeadEventID,
		States: []store.ProjectionState{{Name: "a", Revision: "1", Data: []byte("first\x00\xffbinary")}, {Name: "b", Revision: "r2"}, {Name: "c", Data: []byte("c")}}}
	save(first)
	copy(buf, "XXXXX") // the caller's buffer, reused
	want("after saving", saved)
	second := store.ProjectionStates{Position: 3, EventID: evs[2].ID, Head: 3, HeadEventID: evs[2].ID, States: []store.ProjectionState{
		{Name: "a", Revision: "1", Data: bytes.Repeat([]byte("x"), 100<<10)},
	}}
	save(second)
	want("after saving again", second)
	if all := readAll(tb, ctx, s, 0); len(all) != 3 {
		tb.Errorf("after saving states the log holds %d events, want 3", len(all))
	}

	for _, bad := range []store.ProjectionStates{
		{Position: 0, EventID: evs[0].ID, Head: 1, HeadEventID: evs[0].ID},
		{Position: 1, EventID: "", Head: 1, HeadEventID: evs[0].ID},
		{Position: 2, EventID: evs[1].ID, Head: 1, HeadEventID: evs[0].ID},
		{Position: 1, EventID: "\xc3", Head: 1, HeadEventID: evs[0].ID},
		{Position: 1, EventID: evs[0].ID, Head: 1, HeadEventID: evs[0].ID, States: []store.ProjectionState{{Name: ""}}},
		{Position: 1, EventID: evs[0].ID, Head: 1, HeadEventID: evs[0].ID, States: []store.ProjectionState{{Name: "a"}, {Name: "a"}}},
		{Position: 1, EventID: evs[0].ID, Head: 1, HeadEventID: evs[0].ID, States: []store.ProjectionState{{Name: "a", Revision: "\xff"}}},
	} {
		if err := sk().SaveProjectionStates(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			tb.Errorf("SaveProjectionStates(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	want("after invalid saves", second)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := sk().SaveProjectionStates(canceled, first); err == nil {
		tb.Error("SaveProjectionStates with a cancelled context: nil error")
	}
	want("after a cancelled save", second)

	if h.Reopen != nil {
		s = reopen(tb, h, s)
		want("after a restart", second)
	}

	if err := s.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	if _, _, err := sk().ProjectionStates(ctx); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("ProjectionStates after Close: %v, want ErrClosed", err)
	}
	if err := sk().SaveProjectionStates(context.Background(), second); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("SaveProjectionStates after Close: %v, want ErrClosed", err)
	}
}
