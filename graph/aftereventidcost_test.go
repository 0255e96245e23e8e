package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// byteCounter is a jsonl.File that counts the bytes read from the log.
type byteCounter struct {
	jsonl.File
	n *atomic.Int64
}

func (f byteCounter) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	f.n.Add(int64(n))
	return n, err
}

// TestEvents_afterEventIdReadsOneEvent: checking afterEventId reads the event at
// afterPosition alone, not a page of the log after it (on a JSONL log, the lines up to
// 256 KiB after it; in PostgreSQL, a page of 256 events with their data).
func TestEvents_afterEventIdReadsOneEvent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	body := json.RawMessage(fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", 400)))
	for i := range 300 {
		if _, err := w.Append(ctx, fmt.Sprintf("other-%d", i), store.NoStream, store.EventData{Type: "Other", Data: body}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var read atomic.Int64
	js, err := jsonl.Open(dir, jsonl.WithNoSync(), jsonl.WithTailCache(0),
		jsonl.WithFile(func(f jsonl.File) jsonl.File { return byteCounter{File: f, n: &read} }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { js.Close() })
	e := newEnv(t, withStore(func(store.Store) store.Store { return js }))
	var at struct{ Events []event }
	e.must(t, `{ events(afterPosition: 99, first: 1) { id } }`, nil, &at)
	e.must(t, `{ status { head } restaurants(minPosition: 300) { totalCount } }`, nil, nil) // the read models have read the log

	read.Store(0)
	var out struct{ Events []event }
	e.must(t, `query($id: ID) { events(afterPosition: 100, afterEventId: $id, types: ["None"]) { id } }`, map[string]any{"id": at.Events[0].ID}, &out)
	if len(out.Events) != 0 {
		t.Fatalf("events of no type: %+v", out.Events)
	}
	if n := read.Load(); n > 2<<10 {
		t.Fatalf("the check read %d bytes of the log, want the one event's line (about 600)", n)
	}
}
