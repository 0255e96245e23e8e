package jsonl_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// TestStore_Append_noSyncConcurrent appends batches from many goroutines WithNoSync (so
// that they share writes) while a subscriber follows the log, then reopens the log and
// checks every acknowledged append, whole batches and gap-free positions.
func TestStore_Append_noSyncConcurrent(t *testing.T) {
	const writers, perWriter = 32, 100
	dir := t.TempDir()
	s, err := jsonl.Open(dir, jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	want := 0 // events the writers will append
	for w := range writers {
		for seq := range perWriter {
			want += 1 + (w+seq)%4
		}
	}

	// The subscriber follows the appends and checks that it sees every position in order,
	// without a gap.
	seen := make(chan store.Position, 1)
	go func() {
		var last store.Position
		defer func() { seen <- last }()
		for e, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				t.Errorf("subscriber: %v", err)
				return
			}
			if e.Position != last+1 {
				t.Errorf("subscriber: position %d after %d", e.Position, last)
				return
			}
			if last = e.Position; last == store.Position(want) {
				return
			}
		}
	}()

	var mu sync.Mutex
	var acks []ack
	total := 0
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for seq := range perWriter {
				n := 1 + (w+seq)%4
				batch := fmt.Sprintf("%d-%d", w, seq)
				events := make([]store.EventData, n)
				for i := range events {
					events[i] = store.EventData{Type: "Concurrent",
						Data: fmt.Appendf(nil, `{"batch":%q,"i":%d,"n":%d}`, batch, i, n)}
				}
				stream := fmt.Sprintf("w%d-%d", w, seq%3)
				a, err := s.Append(context.Background(), stream, store.Any, events...)
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				acks = append(acks, ack{stream: stream, version: a.Version, position: a.Position, n: n})
				total += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if h, _ := s.Head(ctx); h != store.Position(want) || total != want {
		t.Fatalf("Head = %d after %d acknowledged events, want %d", h, total, want)
	}
	if last := <-seen; last != store.Position(want) {
		t.Fatalf("the subscriber stopped at position %d of %d", last, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkCrashLog(t, dir, 0, acks)
}
