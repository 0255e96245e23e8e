package eventsourcing

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// indexMemoryCommands is how many commands BenchmarkCommandIndex_memory indexes per round
// when catching up, and in its first record case.
const indexMemoryCommands = 200_000

// BenchmarkCommandIndex_memory reports the heap an index keeps per command (bytes/command,
// after a GC, the index alive), filled the two ways it is filled: by record, as the handler
// does after each append (every string the index keeps is the caller's, as in the handler),
// and by catching up with a reopened JSONL log (every string is freshly read). The log's
// own memory is allocated before the measurement starts.
//
// go test -run X -bench CommandIndex_memory -benchtime 1x ./eventsourcing/
func BenchmarkCommandIndex_memory(b *testing.B) {
	// A map's bytes per entry depend on where it is between two growth steps: 200k is just
	// before one, 300k just after, 1M between. The index keeps each stream id once: over
	// 1024 streams that costs next to nothing per command, over streams of few commands
	// (3, or 1, each) the most.
	cases := []struct{ commands, perStream int }{
		{indexMemoryCommands, 0}, {300_000, 0}, {1_000_000, 0}, {indexMemoryCommands, 3}, {indexMemoryCommands, 1},
	}
	for _, c := range cases {
		streams := "1024"
		if c.perStream > 0 {
			streams = fmt.Sprintf("%d-commands-each", c.perStream)
		}
		b.Run(fmt.Sprintf("by=record/commands=%d/streams=%s", c.commands, streams), func(b *testing.B) {
			benchmarkRecordMemory(b, c.commands, c.perStream)
		})
	}

	b.Run(fmt.Sprintf("by=catchup/commands=%d", indexMemoryCommands), func(b *testing.B) {
		dir := b.TempDir()
		fillLog(b, dir, indexMemoryCommands)
		s, err := jsonl.Open(dir, jsonl.WithNoSync())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		var perCommand float64
		for b.Loop() {
			before := liveHeap()
			x := NewCommandIndex(s)
			if _, ok, err := x.Lookup(context.Background(), "absent"); err != nil || ok {
				b.Fatalf("Lookup(absent) = %v, %v", ok, err)
			}
			perCommand += float64(liveHeap()-before) / indexMemoryCommands
			runtime.KeepAlive(x)
		}
		b.ReportMetric(perCommand/float64(b.N), "bytes/command")
	})
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// fakeHash returns a fresh 64-character hex string, shaped like a Fingerprint.
func fakeHash(i int) string {
	return fmt.Sprintf("%064x", i)
}

// fillLog writes n one-event commands to a JSONL log in dir, each with a UUID command id and
// a fingerprint, over 1024 streams, and returns their ids in log order.
func fillLog(tb testing.TB, dir string, n int) []string {
	tb.Helper()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	ids := store.NewIDs()
	out := make([]string, n)
	versions := make([]store.Version, 1024)
	body := json.RawMessage(`{"n":1}`)
	for i := range n {
		stream := fmt.Sprintf("counter-%d", i%1024)
		id := ids.New()
		out[i] = id
		_, err := s.Append(context.Background(), stream, versions[i%1024], store.EventData{
			Type: "Ticked", Data: body, Metadata: map[string]string{
				MetadataCommandID: id, MetadataCorrelationID: id, MetadataCausationID: id,
				MetadataCommandHash: fakeHash(i),
			},
		})
		if err != nil {
			tb.Fatal(err)
		}
		versions[i%1024]++
	}
	return out
}

// benchmarkRecordMemory reports the heap an index keeps per command after n calls of record,
// over 1024 streams (perStream 0) or over streams of perStream commands each, named by UUIDs.
func benchmarkRecordMemory(b *testing.B, n, perStream int) {
	ids := store.NewIDs()
	var names []string // allocated before the measurement: only the index's copies count
	if perStream > 0 {
		names = make([]string, n/perStream+1)
		for i := range names {
			names[i] = ids.New()
		}
	}
	var perCommand float64
	for b.Loop() {
		before := liveHeap()
		x := NewCommandIndex(nil)
		for i := range n {
			// Fresh strings, as the handler passes them: a client's UUID, a hex sha256 and a
			// stream id built from the command.
			id, hash := ids.New(), fakeHash(i)
			stream, version := fmt.Sprintf("counter-%d", i%1024), store.Version(i/1024+1)
			if perStream > 0 {
				stream, version = "order-"+names[i/perStream], store.Version(i%perStream+1)
			}
			x.record(id, CommandRecord{
				StreamID: stream, FirstVersion: version, LastVersion: version, Position: store.Position(i + 1), Hash: hash,
			})
		}
		perCommand += float64(liveHeap()-before) / float64(n)
		runtime.KeepAlive(x)
	}
	b.ReportMetric(perCommand/float64(b.N), "bytes/command")
}

// BenchmarkCommandIndex_Lookup measures looking an id up in a caught-up index over a JSONL
// log of 10,000 commands: an id of the log (a repeated command) and an absent one (a new
// command, the common case).
func BenchmarkCommandIndex_Lookup(b *testing.B) {
	dir := b.TempDir()
	ids := fillLog(b, dir, 10_000)
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	x := NewCommandIndex(s)
	ctx := context.Background()
	b.Run("id=present", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, ok, err := x.Lookup(ctx, ids[i%len(ids)]); err != nil || !ok {
				b.Fatalf("Lookup = %v, %v", ok, err)
			}
			i += 7919 // a prime: ids all over the log
		}
	})
	b.Run("id=absent", func(b *testing.B) {
		for b.Loop() {
			if _, ok, err := x.Lookup(ctx, "absent"); err != nil || ok {
				b.Fatalf("Lookup = %v, %v", ok, err)
			}
		}
	})
}
