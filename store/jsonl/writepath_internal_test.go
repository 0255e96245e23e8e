package jsonl

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// hookCtx is a context whose Err calls hook (once it returns true, it is not called again).
type hookCtx struct {
	context.Context
	hook  func() bool
	fired atomic.Bool
}

func (c *hookCtx) Err() error {
	if !c.fired.Load() && c.hook() {
		c.fired.Store(true)
	}
	return c.Context.Err()
}

// TestStore_closeDuringSaveSnapshot closes the store while a snapshot's save holds the
// snapshots' lock and is about to read the log (a save next to a snapshot of the same
// revision further on checks that the log holds it). Close took the store's lock and then
// the snapshots', the save the other way round: both waited for ever.
func TestStore_closeDuringSaveSnapshot(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		_, evs, err := s.AppendEvents(ctx, "a", store.Version(i), store.EventData{Type: "T", Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, evs[0].ID)
	}
	// A snapshot at version 3; the next save at version 2 (same revision) makes SaveSnapshot
	// check the log for version 3 under its lock.
	if err := s.SaveSnapshot(ctx, "a", store.Snapshot{Version: 3, EventID: ids[2], Revision: "r", State: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}

	closed := make(chan error, 1)
	hc := &hookCtx{Context: ctx}
	hc.hook = func() bool {
		// Only once SaveSnapshot holds the snapshots' lock.
		if s.snapshots.mu.TryLock() {
			s.snapshots.mu.Unlock()
			return false
		}
		go func() { closed <- s.Close() }()
		// Wait until Close waits for a lock (the snapshots', which this save holds).
		for !closeWaitsForALock() {
			runtime.Gosched()
		}
		return true
	}
	saved := make(chan error, 1)
	go func() {
		saved <- s.SaveSnapshot(hc, "a", store.Snapshot{Version: 2, EventID: ids[1], Revision: "r", State: []byte(`{}`)})
	}()
	timeout := time.After(5 * time.Second) // a deadlock detector, not synchronisation
	for range 2 {
		select {
		case err := <-saved:
			t.Logf("SaveSnapshot: %v", err)
		case err := <-closed:
			t.Logf("Close: %v", err)
		case <-timeout:
			buf := make([]byte, 1<<16)
			t.Logf("%s", buf[:runtime.Stack(buf, true)])
			t.Fatal("deadlock: Close and SaveSnapshot never return")
		}
	}
}

// closeWaitsForALock reports whether a goroutine in Close waits for a mutex.
func closeWaitsForALock() bool {
	buf := make([]byte, 1<<20)
	for _, g := range bytes.Split(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
		if bytes.Contains(g, []byte("jsonl.(*Store).Close")) && bytes.Contains(g, []byte("sync.(*Mutex).Lock")) {
			return true
		}
	}
	return false
}

// TestAppend_lineLimit checks that an event whose line would be longer than Open reads is
// refused (store.ErrInvalid, nothing written), whatever WithMaxEventSize allows: the log would
// be refused as corrupt at the next Open. maxLine is 1 GiB; the test lowers the limit.
func TestAppend_lineLimit(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, WithNoSync(), func(c *config) { c.lineLimit = 1000 })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	fits := store.EventData{Type: "T", Data: []byte(`"` + strings.Repeat("x", 600) + `"`)}
	over := store.EventData{Type: "T", Data: []byte(`"` + strings.Repeat("x", 1000) + `"`)}
	if _, err := s.Append(ctx, "a", store.Any, fits); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "a", store.Any, fits, over); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("an event over the line limit: %v, want ErrInvalid", err)
	}
	if v, err := s.StreamVersion(ctx, "a"); err != nil || v != 1 {
		t.Fatalf("version %d, %v after a refused batch; want 1", v, err)
	}
}
