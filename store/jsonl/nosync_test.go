package jsonl

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// gatedWrites holds the first WriteAt until released, fails the write numbered failAt (from
// 1; 0 fails none) after writing half of it, and counts writes and syncs.
type gatedWrites struct {
	file
	entered chan struct{} // closed when the first WriteAt starts
	release chan struct{}
	opened  sync.Once
	failAt  int32
	writes  atomic.Int32
	syncs   atomic.Int32
	queue   *queueWatch // the store's appends queued behind the write
}

func (f *gatedWrites) WriteAt(p []byte, off int64) (int, error) {
	n := f.writes.Add(1)
	if n == 1 {
		close(f.entered)
		<-f.release
	}
	if n == f.failAt {
		k, _ := f.file.WriteAt(p[:len(p)/2], off)
		return k, syscall.ENOSPC
	}
	return f.file.WriteAt(p, off)
}

// open lets the first write go on.
func (f *gatedWrites) open() { f.opened.Do(func() { close(f.release) }) }

func (f *gatedWrites) Sync() error {
	f.syncs.Add(1)
	return f.file.Sync()
}

// openGatedNoSync opens a store WithNoSync in dir whose first write blocks.
func openGatedNoSync(t *testing.T, dir string, failAt int32) (*Store, *gatedWrites) {
	t.Helper()
	gw := &gatedWrites{entered: make(chan struct{}), release: make(chan struct{}), failAt: failAt, queue: newQueueWatch()}
	s, err := Open(dir, WithNoSync(), withFile(func(f file) file { gw.file = f; return gw }), gw.queue.option())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	t.Cleanup(gw.open) // before Close, should the test fail while the write is held
	return s, gw
}

// appendBehindGate appends one event to stream "first" and, once its write has started,
// queued events on streams of their own behind it; it returns the errors of the first
// append and of the queued ones, after releasing the gate.
func appendBehindGate(t *testing.T, s *Store, gw *gatedWrites, queued int) (first error, rest []error) {
	t.Helper()
	ctx := context.Background()
	firstErr := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "first", store.NoStream, event(0))
		firstErr <- err
	}()
	<-gw.entered
	errs := make([]error, queued)
	var wg sync.WaitGroup
	for i := range queued {
		wg.Go(func() {
			_, errs[i] = s.Append(ctx, fmt.Sprintf("s-%d", i), store.NoStream, event(i+1))
		})
	}
	gw.queue.wait(t, queued)
	gw.open()
	wg.Wait()
	return <-firstErr, errs
}

func TestNoSync_queuedAppendsShareOneWrite(t *testing.T) {
	dir := t.TempDir()
	s, gw := openGatedNoSync(t, dir, 0)
	first, rest := appendBehindGate(t, s, gw, 15)
	if err := errors.Join(append(rest, first)...); err != nil {
		t.Fatal(err)
	}
	if n := gw.writes.Load(); n != 2 {
		t.Fatalf("%d writes for 16 appends, 1 of them alone in the first: want 2", n)
	}
	if n := gw.syncs.Load(); n != 0 {
		t.Fatalf("%d syncs WithNoSync, want 0", n)
	}
	if h, _ := s.Head(context.Background()); h != 16 {
		t.Fatalf("Head = %d, want 16", h)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(dir); err != nil || rep.Events != 16 {
		t.Fatalf("Verify = %+v, %v; want 16 events", rep, err)
	}
}

func TestNoSync_failedSharedWriteFailsItsGroup(t *testing.T) {
	dir := t.TempDir()
	s, gw := openGatedNoSync(t, dir, 2) // the queued group's write fails
	ctx := context.Background()
	first, rest := appendBehindGate(t, s, gw, 8)
	if first != nil {
		t.Fatalf("the first append, written alone: %v", first)
	}
	for i, err := range rest {
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("queued append %d: %v, want an error wrapping ENOSPC", i, err)
		}
	}
	if h, _ := s.Head(ctx); h != 1 {
		t.Fatalf("Head = %d, want 1: nothing of the failed group is visible", h)
	}
	var got []store.Position
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Position)
	}
	if len(got) != 1 {
		t.Fatalf("ReadAll after the failed group: positions %v, want [1]", got)
	}
	// The failed appends took no version: each stream is still new.
	a, err := s.Append(ctx, "s-0", store.NoStream, event(100))
	if err != nil || a != (store.Appended{Version: 1, Position: 2}) {
		t.Fatalf("Append after the failed group = %+v, %v; want version 1 position 2", a, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(dir); err != nil || rep.Events != 2 {
		t.Fatalf("Verify = %+v, %v; want 2 events", rep, err)
	}
}

func TestNoSync_failedWriteFailsTheGroupBehindIt(t *testing.T) {
	s, gw := openGatedNoSync(t, t.TempDir(), 1) // the first, lone write fails
	first, rest := appendBehindGate(t, s, gw, 4)
	if !errors.Is(first, syscall.ENOSPC) {
		t.Fatalf("the append whose write failed: %v, want ENOSPC", first)
	}
	for i, err := range rest {
		if err == nil {
			t.Errorf("queued append %d succeeded; its group assumed the failed one", i)
		}
	}
	if n := gw.writes.Load(); n != 1 {
		t.Fatalf("%d writes, want 1: the queued group is failed without being written", n)
	}
	if _, err := s.Append(context.Background(), "first", store.NoStream, event(9)); err != nil {
		t.Fatalf("append after the failed write: %v", err)
	}
}
