package memory

import (
	"runtime"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
)

// An append that finds the write lock held waits for it, then commits.
func TestAppend_waitsForTheWriteLock(t *testing.T) {
	s := New()
	defer s.Close()
	s.mu.Lock()
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(t.Context(), "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)})
		done <- err
	}()
	// Give the appender many turns: were it to commit without the lock, it would have by now.
	for range 1000 {
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("append returned (err %v) while the write lock was held", err)
	default:
	}
	s.mu.Unlock()
	if err := <-done; err != nil {
		t.Fatalf("append after the lock was released: %v", err)
	}
	if v, err := s.StreamVersion(t.Context(), "s"); err != nil || v != 1 {
		t.Fatalf("stream version = %d, %v; want 1", v, err)
	}
}

// Contended appends, each queuing for the lock, commit every event exactly once, with
// positions and versions in sequence.
func TestAppend_contended(t *testing.T) {
	s := New()
	defer s.Close()
	const writers, each = 16, 200
	var wg sync.WaitGroup
	for w := range writers {
		stream := string(rune('a' + w))
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(t.Context(), stream, store.Version(i), store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
					t.Errorf("append %d to %s: %v", i, stream, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if head, _ := s.Head(t.Context()); head != writers*each {
		t.Fatalf("head = %d, want %d", head, writers*each)
	}
	seen := map[string]store.Version{}
	var pos store.Position
	for e, err := range s.ReadAll(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		pos++
		seen[e.StreamID]++
		if e.Position != pos || e.Version != seen[e.StreamID] {
			t.Fatalf("event at %d of %s v%d, want position %d and version %d", e.Position, e.StreamID, e.Version, pos, seen[e.StreamID])
		}
	}
}
