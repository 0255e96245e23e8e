package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkSnapshots: a store that keeps snapshots (store.Snapshotter) reports none for a
// stream never snapshotted; returns the last one saved for each stream, independently of
// the others, with State byte for byte as saved (and kept apart from the caller's bytes,
// saved and returned); keeps a further-on snapshot of the same
// revision when an older one is saved, and replaces it with one of another revision;
// refuses invalid snapshots with ErrInvalid and keeps the one before; keeps snapshots
// across a restart when the harness can restart it; honours a cancelled context; and fails
// with ErrClosed after Close. Snapshots are not events: the log does not change. It is
// skipped for a store that keeps no snapshots.
func checkSnapshots(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	if _, ok := s.(store.Snapshotter); !ok {
		tb.Skipf("%T keeps no snapshots (store.Snapshotter)", s)
	}
	sn := func() store.Snapshotter { return s.(store.Snapshotter) }
	mustAppend(tb, ctx, s, "a", store.NoStream, numbered("T", 0, 3)...)
	mustAppend(tb, ctx, s, "order/ü 1", store.NoStream, numbered("T", 0, 2)...)
	a := readStream(tb, ctx, s, "a", 0)
	o := readStream(tb, ctx, s, "order/ü 1", 0)

	if got, ok, err := sn().Snapshot(ctx, "a"); err != nil || ok {
		tb.Fatalf("Snapshot of a stream never snapshotted = %+v, %v, %v; want none", got, ok, err)
	}
	save := func(stream string, snap store.Snapshot) {
		tb.Helper()
		if err := sn().SaveSnapshot(ctx, stream, snap); err != nil {
			tb.Fatalf("SaveSnapshot(%q, %+v): %v", stream, snap, err)
		}
	}
	want := func(when, stream string, snap store.Snapshot) {
		tb.Helper()
		got, ok, err := sn().Snapshot(ctx, stream)
		if err != nil || !ok || got.Version != snap.Version || got.EventID != snap.EventID ||
			got.Revision != snap.Revision || !bytes.Equal(got.State, snap.State) {
			tb.Errorf("%s: Snapshot(%q) = %+v (state %s), %v, %v; want %+v (state %s)",
				when, stream, got, got.State, ok, err, snap, snap.State)
		}
	}
	// The state's bytes are the writer's: spacing and key order are kept.
	a1 := store.Snapshot{Version: 1, EventID: a[0].ID, Revision: "v1", State: json.RawMessage(`{"n": 1, "b":[1,2],"a":"é\u00e9"}`)}
	a3 := store.Snapshot{Version: 3, EventID: a[2].ID, Revision: "v1", State: json.RawMessage(`{"n":3}`)}
	o2 := store.Snapshot{Version: 2, EventID: o[1].ID, State: json.RawMessage(`[]`)}
	save("a", a1)
	want("after saving", "a", a1)
	save("order/ü 1", o2)
	save("a", a3)
	want("after saving a later one", "a", a3)
	want("after saving another stream's", "order/ü 1", o2)
	// The store keeps its own copy of a State: the caller may reuse the buffer it saved once
	// SaveSnapshot returns, and change the State Snapshot returned.
	buf := []byte(`[]`)
	save("order/ü 1", store.Snapshot{Version: 2, EventID: o[1].ID, State: buf})
	copy(buf, `{}`)
	if got, ok, err := sn().Snapshot(ctx, "order/ü 1"); err == nil && ok && len(got.State) > 0 {
		got.State[0] = '{'
	}
	want("after the caller changed the State it saved and the one it got", "order/ü 1", o2)
	if got, ok, err := sn().Snapshot(ctx, "A"); err != nil || ok {
		tb.Errorf("Snapshot of stream %q (another case of %q) = %+v, %v, %v; want none", "A", "a", got, ok, err)
	}

	save("a", a1) // older, same revision: another writer got further
	want("after saving an older one of the same revision", "a", a3)
	a2 := store.Snapshot{Version: 2, EventID: a[1].ID, Revision: "v2", State: json.RawMessage(`{"n":2}`)}
	save("a", a2) // another revision replaces it, even at a lower version
	want("after saving one of another revision", "a", a2)
	// One further on that the log contradicts (a log restored from a backup) does not keep
	// later ones out.
	a9 := store.Snapshot{Version: 9, EventID: "not-" + a[2].ID, Revision: "v2", State: json.RawMessage(`{"n":9}`)}
	save("a", a9)
	save("a", a2)
	want("after saving one over a snapshot the log contradicts", "a", a2)

	for _, bad := range []struct {
		stream string
		snap   store.Snapshot
	}{
		{"", a3},
		{"a\xff", a3},
		{"a", store.Snapshot{Version: 0, EventID: a[0].ID, Revision: "v2", State: json.RawMessage(`{}`)}},
		{"a", store.Snapshot{Version: 3, EventID: "", Revision: "v2", State: json.RawMessage(`{}`)}},
		{"a", store.Snapshot{Version: 3, EventID: a[2].ID, Revision: "v\xff", State: json.RawMessage(`{}`)}},
		{"a", store.Snapshot{Version: 3, EventID: a[2].ID, Revision: "v2", State: json.RawMessage(`{"n":`)}},
		{"a", store.Snapshot{Version: 3, EventID: a[2].ID, Revision: "v2"}},
		{"a", store.Snapshot{Version: 3, EventID: a[2].ID, Revision: "v2", State: json.RawMessage(`"` + strings.Repeat("x", store.MaxSnapshotSize) + `"`)}},
	} {
		if err := sn().SaveSnapshot(ctx, bad.stream, bad.snap); !errors.Is(err, store.ErrInvalid) {
			tb.Errorf("SaveSnapshot(%q, version %d, event id %q, revision %q, %d bytes of state) = %v, want ErrInvalid",
				bad.stream, bad.snap.Version, bad.snap.EventID, bad.snap.Revision, len(bad.snap.State), err)
		}
	}
	want("after invalid saves", "a", a2)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := sn().SaveSnapshot(canceled, "a", a3); err == nil {
		tb.Error("SaveSnapshot with a cancelled context: nil error")
	}
	want("after a cancelled save", "a", a2)
	if _, _, err := sn().Snapshot(canceled, "a"); err == nil {
		tb.Error("Snapshot with a cancelled context: nil error")
	}
	if all := readAll(tb, ctx, s, 0); len(all) != 5 {
		tb.Errorf("after saving snapshots the log holds %d events, want 5", len(all))
	}

	if h.Reopen != nil {
		s = reopen(tb, h, s)
		want("after a restart", "a", a2)
		want("after a restart", "order/ü 1", o2)
	}

	if err := s.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	if _, _, err := sn().Snapshot(ctx, "a"); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("Snapshot after Close: %v, want ErrClosed", err)
	}
	if err := sn().SaveSnapshot(ctx, "a", a3); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("SaveSnapshot after Close: %v, want ErrClosed", err)
	}
}
