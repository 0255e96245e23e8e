package jsonl_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// syncCounter counts the syncs of a log file and fails them with err when it is set.
type syncCounter struct {
	jsonl.File
	syncs *atomic.Int64
	err   error
}

func (f syncCounter) Sync() error {
	f.syncs.Add(1)
	if f.err != nil {
		return f.err
	}
	return f.File.Sync()
}

// TestOpen_syncsTheLogBeforeReadersSeeIt: a writer killed between its write and its sync
// leaves whole lines no append acknowledged, which a power failure could still take. Open
// syncs the log before it serves them (a review found it did only when it cut a torn tail),
// so that projections and sagas never act on events that may vanish; it fails when it cannot.
// WithNoSync, which promises no durability, and OpenReadOnly do not sync.
func TestOpen_syncsTheLogBeforeReadersSeeIt(t *testing.T) {
	dir := t.TempDir()
	w := openStore(t, dir, jsonl.WithNoSync()) // writes, never syncs: as if killed before its sync
	mustAppend(t, w, "a", store.NoStream, ev("T", 1))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	open := func(open func(string, ...jsonl.Option) (*jsonl.Store, error), fail error, opts ...jsonl.Option) (int64, error) {
		var syncs atomic.Int64
		s, err := open(dir, append(opts, jsonl.WithFile(func(f jsonl.File) jsonl.File { return syncCounter{f, &syncs, fail} }))...)
		if err == nil {
			err = s.Close()
		}
		return syncs.Load(), err
	}
	if n, err := open(jsonl.Open, nil); err != nil || n != 1 {
		t.Errorf("Open: %d syncs, %v; want 1 and no error", n, err)
	}
	if n, err := open(jsonl.Open, nil, jsonl.WithNoSync()); err != nil || n != 0 {
		t.Errorf("Open WithNoSync: %d syncs, %v; want none", n, err)
	}
	if n, err := open(jsonl.OpenReadOnly, nil); err != nil || n != 0 {
		t.Errorf("OpenReadOnly: %d syncs, %v; want none", n, err)
	}
	boom := errors.New("boom")
	if _, err := open(jsonl.Open, boom); !errors.Is(err, boom) {
		t.Errorf("Open with a failing sync: %v, want it to fail with the sync's error", err)
	}
}
