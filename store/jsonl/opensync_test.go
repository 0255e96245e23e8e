package jsonl_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
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

// opLog records the order of a log file's truncates and syncs, and fails syncs with err.
type opLog struct {
	jsonl.File
	mu  *sync.Mutex
	ops *[]string
	err error
}

func (f opLog) record(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*f.ops = append(*f.ops, op)
}

func (f opLog) Truncate(size int64) error { f.record("truncate"); return f.File.Truncate(size) }

func (f opLog) Sync() error {
	f.record("sync")
	if f.err != nil {
		return f.err
	}
	return f.File.Sync()
}

// TestOpen_syncsTheCutOfATornTail: the torn tail Open cuts off must stay cut. Were the cut
// lost to a power failure, the torn bytes would come back, the next append would follow them,
// and the log would no longer open. Open syncs after the cut, and fails when it cannot.
func TestOpen_syncsTheCutOfATornTail(t *testing.T) {
	for _, fail := range []error{nil, errors.New("boom")} {
		dir := t.TempDir()
		w := openStore(t, dir)
		mustAppend(t, w, "a", store.NoStream, ev("T", 1))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(filepath.Join(dir, jsonl.LogFile), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(`{"position":2,"str`); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var ops []string
		s, err := jsonl.Open(dir, jsonl.WithFile(func(f jsonl.File) jsonl.File { return opLog{f, &mu, &ops, fail} }))
		if err == nil {
			err = s.Close()
		}
		mu.Lock()
		cut := slices.Index(ops, "truncate")
		synced := cut >= 0 && slices.Contains(ops[cut:], "sync")
		mu.Unlock()
		if fail == nil && (err != nil || !synced) {
			t.Errorf("Open cutting a torn tail: %v, file operations %v; want a sync after the truncate", err, ops)
		}
		if fail != nil && !errors.Is(err, fail) {
			t.Errorf("Open cutting a torn tail with a failing sync: %v, want the sync's error", err)
		}
	}
}

// TestStore_Append_syncsBeforeItReturns: a durable Append is acknowledged only once a sync
// has covered its line (the group commit tests would only hang without it).
func TestStore_Append_syncsBeforeItReturns(t *testing.T) {
	var syncs atomic.Int64
	s := openStore(t, t.TempDir(), jsonl.WithFile(func(f jsonl.File) jsonl.File { return syncCounter{f, &syncs, nil} }))
	for i := range 3 {
		before := syncs.Load()
		mustAppend(t, s, "a", store.Version(i), ev("T", i))
		if syncs.Load() == before {
			t.Fatalf("append %d returned without a sync", i+1)
		}
	}
}
