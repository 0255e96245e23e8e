package jsonl

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// cutFile: the first Sync after Open blocks until released; the second WriteAt writes two thirds of
// its bytes and fails with ENOSPC, keeping a copy of the file as it stood then (what a
// power loss before the next sync may leave on disk: writeback and the journal can make
// the extended file durable at any moment, the cut only becomes durable at a sync).
type cutFile struct {
	file
	path           string
	entered        chan struct{}
	release        chan struct{}
	syncs          atomic.Int32
	writes         atomic.Int32
	image          []byte
	syncsAtFailure int32
	opened         atomic.Bool // Open returned: its own sync is not counted
}

func (f *cutFile) Sync() error {
	if !f.opened.Load() {
		return f.file.Sync()
	}
	if f.syncs.Add(1) == 1 {
		close(f.entered)
		<-f.release
	}
	return f.file.Sync()
}

func (f *cutFile) WriteAt(p []byte, off int64) (int, error) {
	if f.writes.Add(1) == 2 {
		n, _ := f.file.WriteAt(p[:len(p)*2/3], off)
		f.image, _ = os.ReadFile(f.path)
		f.syncsAtFailure = f.syncs.Load()
		return n, syscall.ENOSPC
	}
	return f.file.WriteAt(p, off)
}

// TestAbort_syncsTheCut: a group of two appends whose write fails with ENOSPC after the
// first append's lines are whole. Both appends are reported failed, so the file's cut back
// must be durable before they are: until a later sync, a power loss could leave the
// extended file, and recovery would find the first "failed" append as a whole commit
// (found by review: the cut was not synced).
func TestAbort_syncsTheCut(t *testing.T) {
	dir := t.TempDir()
	cf := &cutFile{path: dir + "/" + LogFile, entered: make(chan struct{}), release: make(chan struct{})}
	w := newQueueWatch()
	s, err := Open(dir, withFile(func(f file) file { cf.file = f; return cf }), w.option())
	if err != nil {
		t.Fatal(err)
	}
	cf.opened.Store(true)
	defer s.Close()
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { _, err := s.Append(ctx, "x", store.NoStream, event(0)); first <- err }()
	<-cf.entered
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, name := range []string{"a", "b"} {
		wg.Go(func() { _, errs[i] = s.Append(ctx, name, store.NoStream, event(100+i)) })
		w.wait(t, i+1)
	}
	close(cf.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	syncsAtReport := cf.syncs.Load()
	for i, err := range errs {
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("append %d: %v, want ENOSPC", i, err)
		}
	}
	if cf.image == nil {
		t.Fatal("the failing write did not happen")
	}
	idx, rep, err := scan(bytes.NewReader(cf.image), int64(len(cf.image)), "image")
	if err != nil {
		t.Fatal(err)
	}
	_, resurrected := idx.lookup("a")
	if syncsAtReport == cf.syncsAtFailure && resurrected {
		t.Errorf("append to stream a was reported failed (ENOSPC) without the cut being synced (%d syncs before and after); "+
			"the file as it stood before the cut recovers as %d events in %d commits, a's among them: a power loss before the next sync resurrects a failed append",
			syncsAtReport, rep.Events, rep.Commits)
	}
	if _, err := s.Append(ctx, "c", store.NoStream, event(200)); err != nil {
		t.Errorf("an append after the synced cut: %v, want it to succeed", err)
	}
}

// failingFile fails every write with ENOSPC, writing nothing, and every sync after the
// first failed write.
type failingFile struct {
	file
	failing atomic.Bool
}

func (f *failingFile) WriteAt([]byte, int64) (int, error) {
	f.failing.Store(true)
	return 0, syscall.ENOSPC
}

func (f *failingFile) Sync() error {
	if f.failing.Load() {
		return syscall.EIO
	}
	return f.file.Sync()
}

// TestAbort_cutThatCannotBeSyncedFailsTheStore: when the cut after a failed write cannot be
// made durable, the file's state on disk is unknown, so the store fails every later append
// with ErrFailed, as after a failed sync.
func TestAbort_cutThatCannotBeSyncedFailsTheStore(t *testing.T) {
	ff := &failingFile{}
	s, err := Open(t.TempDir(), withFile(func(f file) file { ff.file = f; return ff }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Append(context.Background(), "a", store.NoStream, event(0)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("first append: %v, want ENOSPC", err)
	}
	if _, err := s.Append(context.Background(), "b", store.NoStream, event(1)); !errors.Is(err, ErrFailed) {
		t.Fatalf("append after a cut that could not be synced: %v, want ErrFailed", err)
	}
}
