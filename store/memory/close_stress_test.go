package memory_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
)

// TestStore_CloseUnderLoad closes the store while writers append, subscribers at several
// positions read (some stalled by their consumer, past Close), and pollers compare
// StreamVersion with ReadStream. Every subscriber must have seen a gap-free run of the log
// and end with ErrClosed; StreamVersion must never report more events than ReadStream then
// yields; writers and pollers end with ErrClosed and nothing else.
func TestStore_CloseUnderLoad(t *testing.T) {
	ctx := t.Context()
	s := memory.New()
	for i := range 50 {
		if _, err := s.Append(ctx, fmt.Sprint("s", i%3), store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	starts := []store.Position{0, 10, 49, 50, 70, 0, 25, 1000}
	const stalledFrom = 5 // the subscribers from this index on stop reading after their first event
	release := make(chan struct{})
	subErrs := make(chan error, len(starts))
	subscribed := make(chan struct{}, len(starts))
	for i, after := range starts {
		wg.Go(func() {
			want := after + 1
			first := true
			for e, err := range s.Subscribe(ctx, after) {
				if first {
					first = false
					subscribed <- struct{}{}
				}
				if err != nil {
					subErrs <- err
					return
				}
				if e.Position != want {
					subErrs <- fmt.Errorf("Subscribe(%d): position %d, want %d", after, e.Position, want)
					return
				}
				want++
				if i >= stalledFrom && e.Position == after+1 {
					<-release
				}
			}
			subErrs <- fmt.Errorf("Subscribe(%d) ended without an error", after)
		})
	}
	pollErrs := make(chan error, 2)
	for p := range 2 {
		wg.Go(func() {
			stream := fmt.Sprint("s", p)
			for {
				v, err := s.StreamVersion(ctx, stream)
				if err != nil {
					if !errors.Is(err, store.ErrClosed) {
						pollErrs <- err
					}
					return
				}
				n := 0
				for e, err := range s.ReadStream(ctx, stream, 0) {
					if err != nil {
						if !errors.Is(err, store.ErrClosed) {
							pollErrs <- err
						}
						return
					}
					n++
					if e.Version != store.Version(n) {
						pollErrs <- fmt.Errorf("ReadStream(%s): version %d at %d", stream, e.Version, n)
						return
					}
				}
				if store.Version(n) < v {
					pollErrs <- fmt.Errorf("StreamVersion(%s) = %d but ReadStream then yielded %d", stream, v, n)
					return
				}
			}
		})
	}
	const writers = 4
	writerErrs := make(chan error, writers)
	appending := make(chan struct{}, writers)
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				_, err := s.Append(ctx, fmt.Sprint("s", (w+i)%3), store.Any,
					store.EventData{Type: "T", Data: []byte(`{}`)}, store.EventData{Type: "T", Data: []byte(`[]`)})
				if err != nil {
					if !errors.Is(err, store.ErrClosed) {
						writerErrs <- err
					}
					return
				}
				if i == 300 {
					appending <- struct{}{}
				}
			}
		})
	}
	// Close once every subscriber has its first event and every writer appended 300 times.
	for range starts {
		<-subscribed
	}
	for range writers {
		<-appending
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	close(release)
	wg.Wait()
	close(subErrs)
	close(pollErrs)
	close(writerErrs)
	for err := range subErrs {
		if !errors.Is(err, store.ErrClosed) {
			t.Error(err)
		}
	}
	for err := range pollErrs {
		t.Error(err)
	}
	for err := range writerErrs {
		t.Error(err)
	}
}
