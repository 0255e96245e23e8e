package eventsourcing_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

var updateGolden = flag.Bool("update-golden", false, "write testdata/command-ids-*.state anew (only for a new revision)")

// goldenIndexLog appends a fixed log: commands of one to three events over four streams,
// an event without a command id, and a command id used twice (its first use counts).
func goldenIndexLog(t *testing.T) *memory.Store {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	appendCmd := func(stream, cmd string, n int) {
		evs := make([]store.EventData, n)
		for i := range evs {
			evs[i] = store.EventData{ID: fmt.Sprintf("%s-%d", cmd, i), Type: "T", Data: []byte(`{}`), Metadata: map[string]string{eventsourcing.MetadataCommandID: cmd}}
		}
		if _, err := s.Append(t.Context(), stream, store.Any, evs...); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 40 {
		appendCmd(fmt.Sprint("s-", i%4), fmt.Sprint("c-", i), 1+i%3)
		if i == 17 {
			if _, err := s.Append(t.Context(), "s-x", store.Any, store.EventData{ID: "plain", Type: "T", Data: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendCmd("s-y", "c-5", 2) // c-5 again: a later use
	return s
}

// readAllCounted counts the events the index reads from the log.
type readAllCounted struct {
	store.Store
	n *atomic.Int64
}

func (s readAllCounted) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		for e, err := range s.Store.ReadAll(ctx, after) {
			s.n.Add(1)
			if !yield(e, err) {
				return
			}
		}
	}
}

// TestCommandIndex_stateRevisionIsPinned: a command index reads the state that its revision
// wrote when it was released (testdata/<revision>.state, written once with -update-golden
// over goldenIndexLog) and answers every command id from it, reading no event of the log
// again. Its bytes cannot be pinned by a hash as the read models' are (the map's order and
// a random key vary them), so the decoding is: a change to the encoding, to the hash of the
// ids or to what a state means needs a new CommandIndexStateRevision (and its file beside
// the old), since a server loads a saved state only of its own revision.
func TestCommandIndex_stateRevisionIsPinned(t *testing.T) {
	log := goldenIndexLog(t)
	file := filepath.Join("testdata", strings.ReplaceAll(eventsourcing.CommandIndexStateRevision, "/", "-")+".state")
	if *updateGolden {
		x := eventsourcing.NewCommandIndex(log)
		if _, _, err := x.Lookup(t.Context(), "none"); err != nil { // indexes the log
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := x.WriteState(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("revision %s is not pinned: %v (write it with -update-golden)", eventsourcing.CommandIndexStateRevision, err)
	}

	// The records the log holds, found by reading it: each id's first command.
	want := map[string]eventsourcing.CommandRecord{}
	var prev store.Event
	for e, err := range log.ReadAll(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		id := e.Metadata[eventsourcing.MetadataCommandID]
		switch r, seen := want[id]; {
		case id == "":
		case !seen:
			want[id] = eventsourcing.CommandRecord{StreamID: e.StreamID, FirstVersion: e.Version, LastVersion: e.Version, Position: e.Position}
		case prev.Metadata[eventsourcing.MetadataCommandID] == id && r.Position == prev.Position && e.StreamID == r.StreamID:
			r.LastVersion, r.Position = e.Version, e.Position
			want[id] = r
		}
		prev = e
	}

	var read atomic.Int64
	x := eventsourcing.NewCommandIndex(readAllCounted{log, &read})
	if err := x.ReadState(bytes.NewReader(state)); err != nil {
		t.Fatalf("ReadState of the pinned %s state: %v", eventsourcing.CommandIndexStateRevision, err)
	}
	for id, w := range want {
		got, ok, err := x.Lookup(t.Context(), id)
		if err != nil || !ok || got.StreamID != w.StreamID || got.FirstVersion != w.FirstVersion || got.LastVersion != w.LastVersion || got.Position != w.Position {
			t.Errorf("Lookup(%s) after the pinned state = %+v, %v, %v; want %+v", id, got, ok, err, w)
		}
	}
	if got, ok, err := x.Lookup(t.Context(), "c-40"); ok || err != nil {
		t.Errorf("Lookup(c-40), never used = %+v, %v, %v; want not found", got, ok, err)
	}
	if n := read.Load(); n != 0 {
		t.Errorf("the index read %d events of the log after the pinned state, want none: the state was not taken as written", n)
	}
}
