package eventsourcing

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/memory"
)

// appendCommand appends n events to stream as written by the command id, with hash as its
// fingerprint, and returns the record the index must give for it.
func appendCommand(tb testing.TB, s store.Store, stream string, expected store.Version, id, hash string, n int) CommandRecord {
	tb.Helper()
	data := make([]store.EventData, n)
	for i := range data {
		data[i] = store.EventData{Type: "Ticked", Data: json.RawMessage(`{}`), Metadata: map[string]string{
			MetadataCommandID: id, MetadataCommandHash: hash,
		}}
	}
	app, err := s.Append(context.Background(), stream, expected, data...)
	if err != nil {
		tb.Fatalf("Append(%s): %v", stream, err)
	}
	return CommandRecord{
		StreamID: stream, FirstVersion: expected + 1, LastVersion: app.Version, Position: app.Position, Hash: hash,
	}
}

// mustLookup looks id up and fails unless the index returns want.
func mustLookup(tb testing.TB, x *CommandIndex, id string, want CommandRecord) {
	tb.Helper()
	got, ok, err := x.Lookup(context.Background(), id)
	if err != nil || !ok || got != want {
		tb.Fatalf("Lookup(%s) = %+v, %v, %v; want %+v", id, got, ok, err, want)
	}
}

// mustMiss looks id up and fails unless the index knows nothing of it.
func mustMiss(tb testing.TB, x *CommandIndex, id string) {
	tb.Helper()
	if got, ok, err := x.Lookup(context.Background(), id); err != nil || ok {
		tb.Fatalf("Lookup(%s) = %+v, %v, %v; want not found", id, got, ok, err)
	}
}

// interleaved writes commands whose events are followed by other commands' events, on the
// same stream and on others, and returns their records by id.
func interleaved(tb testing.TB, s store.Store) map[string]CommandRecord {
	tb.Helper()
	return map[string]CommandRecord{
		"a": appendCommand(tb, s, "s1", 0, "a", "ha", 2), // positions 1-2
		"b": appendCommand(tb, s, "s1", 2, "b", "hb", 3), // 3-5: same stream, right after a
		"c": appendCommand(tb, s, "s2", 0, "c", "hc", 1), // 6
		"d": appendCommand(tb, s, "s1", 5, "d", "hd", 1), // 7
		"e": appendCommand(tb, s, "s2", 1, "e", "he", 2), // 8-9: the log's last events
	}
}

func TestCommandIndex_Lookup(t *testing.T) {
	t.Run("a command followed by other commands' events ends where its events end", func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		want := interleaved(t, s)
		x := NewCommandIndex(s)
		for id, r := range want {
			mustLookup(t, x, id, r)
		}
		mustMiss(t, x, "f")
	})

	t.Run("recorded commands are found before the log is read again", func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		x := NewCommandIndex(s)
		mustMiss(t, x, "a") // the index has caught up with the empty log
		want := interleaved(t, s)
		for id, r := range want {
			x.record(id, r)
		}
		for id, r := range want {
			mustLookup(t, x, id, r)
		}
	})

	t.Run("a new index over a reopened log finds the old ids", func(t *testing.T) {
		dir := t.TempDir()
		s, err := jsonl.Open(dir, jsonl.WithNoSync())
		if err != nil {
			t.Fatal(err)
		}
		want := interleaved(t, s)
		x := NewCommandIndex(s)
		mustLookup(t, x, "a", want["a"])
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = jsonl.Open(dir, jsonl.WithNoSync())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		x = NewCommandIndex(s)
		for id, r := range want {
			mustLookup(t, x, id, r)
		}
		mustMiss(t, x, "f")
	})

	t.Run("the first use of an id wins over a later one", func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		first := appendCommand(t, s, "s1", 0, "a", "h1", 1)
		appendCommand(t, s, "s2", 0, "b", "hb", 1)
		later := appendCommand(t, s, "s3", 0, "a", "h2", 2)
		x := NewCommandIndex(s)
		x.record("a", later) // recorded before the log shows the first use
		mustLookup(t, x, "a", first)
		mustLookup(t, NewCommandIndex(s), "a", first)
	})

	t.Run("a failing log read", func(t *testing.T) {
		s := memory.New()
		x := NewCommandIndex(s)
		r := appendCommand(t, s, "s1", 0, "a", "h", 1)
		mustLookup(t, x, "a", r)
		_ = s.Close()
		_, _, err := x.Lookup(context.Background(), "a")
		if se, ok := err.(*StoreError); !ok || se.Err == nil {
			t.Fatalf("got %v, want a *StoreError", err)
		}
	})
}

func TestCommandIndex_record(t *testing.T) {
	s := memory.New()
	defer s.Close()
	x := NewCommandIndex(s)
	mustMiss(t, x, "a")
	a := appendCommand(t, s, "s1", 0, "a", "ha", 2)
	x.record("a", a)
	if x.indexed != a.Position {
		t.Fatalf("after recording an append that follows the index, indexed = %d, want %d", x.indexed, a.Position)
	}
	b := appendCommand(t, s, "s2", 0, "b", "hb", 1) // written by another process: never recorded
	c := appendCommand(t, s, "s1", 2, "c", "hc", 1)
	x.record("c", c)
	if x.indexed != a.Position {
		t.Fatalf("after recording an append past an unread one, indexed = %d, want %d", x.indexed, a.Position)
	}
	for id, r := range map[string]CommandRecord{"a": a, "b": b, "c": c} {
		mustLookup(t, x, id, r)
	}
	if x.indexed != c.Position {
		t.Fatalf("after a catch-up, indexed = %d, want %d", x.indexed, c.Position)
	}
}

func TestCommandIndex_Lookup_collisions(t *testing.T) {
	collide := func(x *CommandIndex) *CommandIndex {
		x.hash = func(string) uint64 { return 42 } // every id has the same hash
		return x
	}
	t.Run("caught up from the log", func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		want := interleaved(t, s)
		x := collide(NewCommandIndex(s))
		for id, r := range want {
			mustLookup(t, x, id, r)
		}
		mustMiss(t, x, "f")
	})

	t.Run("recorded, then caught up", func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		x := collide(NewCommandIndex(s))
		mustMiss(t, x, "a")
		want := interleaved(t, s)
		for _, id := range []string{"e", "b", "d"} {
			x.record(id, want[id])
		}
		for id, r := range want {
			mustLookup(t, x, id, r)
		}
		mustMiss(t, x, "f")
		if n := len(x.more[42]); n != len(want)-1 {
			t.Fatalf("%d further candidates, want %d (each command once)", n, len(want)-1)
		}
	})

	t.Run("an id reused after a colliding one", func(t *testing.T) {
		s := memory.New()
		defer s.Close()
		a := appendCommand(t, s, "s1", 0, "a", "h1", 1)
		b := appendCommand(t, s, "s2", 0, "b", "hb", 1)
		appendCommand(t, s, "s3", 0, "a", "h2", 1)
		x := collide(NewCommandIndex(s))
		mustLookup(t, x, "a", a)
		mustLookup(t, x, "b", b)
	})
}

func TestCommandIndex_record_largeVersions(t *testing.T) {
	x := NewCommandIndex(nil)
	x.hash = func(id string) uint64 { return uint64(len(id)) } // no collisions: every start in starts
	want := []candidate{{"s", 1<<32 - 1}, {"s", 1 << 32}, {"t", 1 << 40}}
	for i, c := range want {
		x.record(strings.Repeat("x", i+1), CommandRecord{StreamID: c.stream, FirstVersion: c.version, LastVersion: c.version})
	}
	for i, c := range want {
		if got := x.candidates(uint64(i + 1)); !slices.Equal(got, []candidate{c}) {
			t.Fatalf("candidates = %v, want %v (versions that do not fit in 32 bits kept whole)", got, c)
		}
	}
}

// TestCommandIndex_memory fails when the index keeps much more than a hash, a stream number
// and a version per command, and each stream id once (it kept ~230 bytes a command when it
// held every record's strings).
func TestCommandIndex_memory(t *testing.T) {
	const n = 100_000
	tests := []struct {
		name   string
		stream func(i int) string
		limit  float64
	}{
		{"over 1024 streams", func(i int) string { return fmt.Sprintf("counter-%d", i%1024) }, 48},
		{"a stream per command", func(i int) string { return fmt.Sprintf("order-%036d", i) }, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := store.NewIDs()
			before := liveHeap()
			x := NewCommandIndex(nil)
			for i := range n {
				x.record(ids.New(), CommandRecord{
					StreamID: tt.stream(i), FirstVersion: 1, LastVersion: 1,
					Position: store.Position(i + 1), Hash: fakeHash(i),
				})
			}
			perCommand := float64(liveHeap()-before) / n
			runtime.KeepAlive(x)
			if perCommand > tt.limit {
				t.Fatalf("the index keeps %.1f bytes per command, want at most %.0f", perCommand, tt.limit)
			}
			t.Logf("%.1f bytes per command", perCommand)
		})
	}
}
