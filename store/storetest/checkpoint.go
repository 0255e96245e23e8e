package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// checkCheckpoints: a store that keeps checkpoints (store.Checkpointer) returns the zero
// Checkpoint for a name never saved, the last one saved under each name, independently of
// the others; keeps them across a restart when the harness can restart it; honours a
// cancelled context; and fails with ErrClosed after Close. Checkpoints are not events: the
// log does not change. It is skipped for a store that keeps no checkpoints.
func checkCheckpoints(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	if _, ok := s.(store.Checkpointer); !ok {
		tb.Skipf("%T keeps no checkpoints (store.Checkpointer)", s)
	}
	cp := func() store.Checkpointer { return s.(store.Checkpointer) }
	mustAppend(tb, ctx, s, "a", store.NoStream, numbered("T", 0, 3)...)
	evs := readAll(tb, ctx, s, 0)
	if len(evs) != 3 {
		tb.Fatalf("ReadAll after appending 3 events yielded %d", len(evs))
	}

	if c, err := cp().Checkpoint(ctx, "saga:x"); err != nil || c != (store.Checkpoint{}) {
		tb.Fatalf("Checkpoint of a name never saved = %+v, %v; want the zero Checkpoint", c, err)
	}
	save := func(name string, c store.Checkpoint) {
		tb.Helper()
		if err := cp().SaveCheckpoint(ctx, name, c); err != nil {
			tb.Fatalf("SaveCheckpoint(%q, %+v): %v", name, c, err)
		}
	}
	want := func(when, name string, c store.Checkpoint) {
		tb.Helper()
		if got, err := cp().Checkpoint(ctx, name); err != nil || got != c {
			tb.Errorf("%s: Checkpoint(%q) = %+v, %v; want %+v", when, name, got, err, c)
		}
	}
	x1 := store.Checkpoint{Position: 1, EventID: evs[0].ID, Head: 2, HeadEventID: evs[1].ID}
	x3 := store.Checkpoint{Position: 3, EventID: evs[2].ID, Head: 3, HeadEventID: evs[2].ID}
	y2 := store.Checkpoint{Position: 2, EventID: evs[1].ID, Head: 3, HeadEventID: evs[2].ID}
	save("saga:x", x1)
	save("saga:y", y2)
	save("saga:x", x3)
	want("after saving", "saga:x", x3)
	want("after saving", "saga:y", y2)
	if all := readAll(tb, ctx, s, 0); len(all) != 3 {
		tb.Errorf("after saving checkpoints the log holds %d events, want 3", len(all))
	}

	// Names and event ids that a store could not keep as they are are refused alike by
	// every store, and nothing is saved.
	for _, bad := range []struct {
		name string
		c    store.Checkpoint
	}{
		{"saga:\xff", x1},
		{"saga:\x00", x1},
		{"saga:" + strings.Repeat("x", store.MaxCheckpointNameBytes-4), x1}, // one byte over
		{"saga:x", store.Checkpoint{Position: 1, EventID: "\xc3", Head: 2, HeadEventID: evs[1].ID}},
		{"saga:x", store.Checkpoint{Position: 1, EventID: evs[0].ID, Head: 2, HeadEventID: "a\xffb"}},
	} {
		short := bad.name
		if len(short) > 24 {
			short = fmt.Sprintf("%s… (%d bytes)", short[:16], len(short))
		}
		if err := cp().SaveCheckpoint(ctx, bad.name, bad.c); !errors.Is(err, store.ErrInvalid) {
			tb.Errorf("SaveCheckpoint(%q, %+v) = %v, want ErrInvalid", short, bad.c, err)
		}
		if bad.name != "saga:x" {
			if c, err := cp().Checkpoint(ctx, bad.name); !errors.Is(err, store.ErrInvalid) || c != (store.Checkpoint{}) {
				tb.Errorf("Checkpoint(%q) = %+v, %v; want ErrInvalid", short, c, err)
			}
		}
	}
	// The longest name is kept.
	longest := "saga:" + strings.Repeat("x", store.MaxCheckpointNameBytes-5)
	save(longest, x1)
	want("the longest name", longest, x1)
	want("after invalid saves", "saga:x", x3)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := cp().SaveCheckpoint(canceled, "saga:x", x1); err == nil {
		tb.Error("SaveCheckpoint with a cancelled context: nil error")
	}
	want("after a cancelled save", "saga:x", x3)

	if h.Reopen != nil {
		s = reopen(tb, h, s)
		want("after a restart", "saga:x", x3)
		want("after a restart", "saga:y", y2)
	}

	if err := s.Close(); err != nil {
		tb.Fatalf("Close: %v", err)
	}
	if _, err := cp().Checkpoint(ctx, "saga:x"); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("Checkpoint after Close: %v, want ErrClosed", err)
	}
	if err := cp().SaveCheckpoint(ctx, "saga:x", x1); !errors.Is(err, store.ErrClosed) {
		tb.Errorf("SaveCheckpoint after Close: %v, want ErrClosed", err)
	}
}
