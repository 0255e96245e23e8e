package jsonl

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// gatedFile holds the first Sync after Open until released, then returns syncErr from it;
// it counts those syncs.
type gatedFile struct {
	file
	entered chan struct{} // closed when the first Sync starts
	release chan struct{}
	syncErr error
	syncs   atomic.Int32
	opened  atomic.Bool // Open returned: its own sync is not counted
}

func (f *gatedFile) Sync() error {
	if !f.opened.Load() {
		return f.file.Sync()
	}
	if f.syncs.Add(1) == 1 {
		close(f.entered)
		<-f.release
		if f.syncErr != nil {
			return f.syncErr
		}
	}
	return f.file.Sync()
}

// openGated opens a store whose first sync blocks, and which reports to the queueWatch.
func openGated(t *testing.T, syncErr error) (*Store, *gatedFile, *queueWatch) {
	t.Helper()
	gf := &gatedFile{entered: make(chan struct{}), release: make(chan struct{}), syncErr: syncErr}
	w := newQueueWatch()
	s, err := Open(t.TempDir(), withFile(func(f file) file { gf.file = f; return gf }), w.option())
	if err != nil {
		t.Fatal(err)
	}
	gf.opened.Store(true)
	t.Cleanup(func() { s.Close() })
	return s, gf, w
}

// queueWatch learns, through the store's join hook, how many appends wait in the group
// that forms behind the commit in flight.
type queueWatch struct {
	mu      sync.Mutex
	queued  int
	changed chan struct{} // closed and replaced as an append joins
}

func newQueueWatch() *queueWatch { return &queueWatch{changed: make(chan struct{})} }

// option is the Option that makes a store report to w.
func (w *queueWatch) option() Option {
	return withJoinHook(func(appends int) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.queued = appends
		close(w.changed)
		w.changed = make(chan struct{})
	})
}

// wait waits (bounded, so that a store that writes under its lock fails the test rather
// than hang it) until n appends wait in the group behind the commit in flight.
func (w *queueWatch) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		w.mu.Lock()
		queued, changed := w.queued, w.changed
		w.mu.Unlock()
		if queued == n {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%d appends queued, want %d", queued, n)
		}
	}
}

func event(i int) store.EventData {
	return store.EventData{Type: "T", Data: fmt.Appendf(nil, `{"i":%d}`, i)}
}

func TestGroupCommit_sharesOneSync(t *testing.T) {
	s, gf, w := openGated(t, nil)
	ctx := context.Background()
	errs := make(chan error, 16)
	go func() {
		_, err := s.Append(ctx, "first", store.NoStream, event(0))
		errs <- err
	}()
	<-gf.entered
	var wg sync.WaitGroup
	for i := 1; i < 16; i++ {
		wg.Go(func() {
			_, err := s.Append(ctx, fmt.Sprintf("s-%d", i), store.NoStream, event(i))
			errs <- err
		})
	}
	w.wait(t, 15)
	close(gf.release)
	wg.Wait()
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := gf.syncs.Load(); n != 2 {
		t.Fatalf("%d syncs for 16 appends, 1 of them alone in the first commit: want 2", n)
	}
	if h, _ := s.Head(ctx); h != 16 {
		t.Fatalf("Head = %d, want 16", h)
	}
}

func TestGroupCommit_failedSyncFailsTheQueue(t *testing.T) {
	s, gf, w := openGated(t, syscall.EIO)
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "a", store.NoStream, event(0))
		first <- err
	}()
	<-gf.entered
	queued := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "a", 1, event(1)) // expects the first append's version
		queued <- err
	}()
	w.wait(t, 1)
	close(gf.release)
	if err := <-first; !errors.Is(err, syscall.EIO) {
		t.Fatalf("append whose sync failed: %v, want EIO", err)
	}
	if err := <-queued; !errors.Is(err, syscall.EIO) {
		t.Fatalf("append queued behind it: %v, want an error wrapping EIO", err)
	}
	if gf.syncs.Load() != 1 {
		t.Fatalf("the queued append was synced")
	}
	if h, _ := s.Head(ctx); h != 0 {
		t.Fatalf("Head = %d, want 0", h)
	}
	if _, err := s.Append(ctx, "a", store.NoStream, event(2)); !errors.Is(err, ErrFailed) {
		t.Fatalf("append after a failed sync: %v, want ErrFailed", err)
	}
}

// TestGroupCommit_unsyncedAppendIsNotRead: while an append's lines are written but not yet
// synced, readers see none of it (Head, StreamVersion, ReadStream, ReadAll, ReadAllTypes),
// as the package documents ("Readers see an event only once it is durable";
// StreamVersion: "appends in flight do not count"); an append to the same stream is checked
// against it, though ("versions are checked against the appends in flight").
func TestGroupCommit_unsyncedAppendIsNotRead(t *testing.T) {
	s, gf, _ := openGated(t, nil)
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "a", store.NoStream, event(0))
		first <- err
	}()
	<-gf.entered // written, its sync held
	if h, err := s.Head(ctx); err != nil || h != 0 {
		t.Errorf("Head during the sync = %d, %v; want 0", h, err)
	}
	if v, err := s.StreamVersion(ctx, "a"); err != nil || v != 0 {
		t.Errorf("StreamVersion during the sync = %d, %v; want 0", v, err)
	}
	for name, seq := range map[string]func(yield func(store.Event, error) bool){
		"ReadStream":   s.ReadStream(ctx, "a", 0),
		"ReadAll":      s.ReadAll(ctx, 0),
		"ReadAllTypes": s.ReadAllTypes(ctx, 0, []string{"T"}),
	} {
		for e, err := range seq {
			t.Errorf("%s during the sync yielded %+v, %v; want nothing", name, e, err)
		}
	}
	if _, err := s.Append(ctx, "a", store.NoStream, event(1)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("an append expecting no stream during the sync: %v, want ErrConflict", err)
	}
	close(gf.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if v, err := s.StreamVersion(ctx, "a"); err != nil || v != 1 {
		t.Errorf("StreamVersion after the sync = %d, %v; want 1", v, err)
	}
}
