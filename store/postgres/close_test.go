package postgres_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/internal/leakcheck"

	"github.com/eventgraph/eventgraph/store"
)

// TestStore_Close_leavesNothingRunning: after Close, the listener, the committer and the
// pool's goroutines are gone, and a subscription waiting for events has ended.
func TestStore_Close_leavesNothingRunning(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	s, _ := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	got := make(chan struct{})
	go func() {
		first := true
		for _, err := range s.Subscribe(ctx, 0) {
			if err != nil {
				ended <- err
				return
			}
			if first {
				close(got) // caught up: now it waits for new events
				first = false
			}
		}
	}()
	<-got
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-ended; !errors.Is(err, store.ErrClosed) {
		t.Errorf("subscription ended with %v, want ErrClosed", err)
	}
	leakcheck.VerifyNone(t, ignore)
}
