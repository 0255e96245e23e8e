package jsonl_test

import (
	"context"
	"errors"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

func TestStore_Subscribe(t *testing.T) {
	t.Run("history then live events, ending with ErrClosed when the store closes", func(t *testing.T) {
		s := openStore(t, t.TempDir())
		mustAppend(t, s, "a", store.NoStream, ev("T", 1), ev("T", 2))
		ctx := context.Background()
		got := make(chan store.Event)
		ended := make(chan error, 1)
		go func() {
			for e, err := range s.Subscribe(ctx, 1) {
				if err != nil {
					ended <- err
					return
				}
				got <- e
			}
			ended <- nil
		}()
		if e := <-got; e.Position != 2 {
			t.Fatalf("first event at position %d, want 2", e.Position)
		}
		mustAppend(t, s, "b", store.NoStream, ev("T", 3))
		if e := <-got; e.Position != 3 || e.StreamID != "b" {
			t.Fatalf("live event %+v, want position 3 of b", e)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-ended; !errors.Is(err, store.ErrClosed) {
			t.Fatalf("subscription ended with %v, want ErrClosed", err)
		}
	})

	t.Run("a subscriber that does not read holds up no append", func(t *testing.T) {
		s := openStore(t, t.TempDir(), jsonl.WithNoSync())
		ctx, cancel := context.WithCancel(context.Background())
		next, stop := iterPull(s.Subscribe(ctx, 0))
		defer stop()
		mustAppend(t, s, "a", store.NoStream, ev("T", 0))
		if e, err, ok := next(); !ok || err != nil || e.Position != 1 {
			t.Fatalf("first event: %+v, %v, %v", e, err, ok)
		}
		// The subscriber now stalls while 2,000 events are appended.
		for i := range 2000 {
			mustAppend(t, s, "a", store.Any, ev("T", i))
		}
		for want := store.Position(2); want <= 2001; want++ {
			e, err, ok := next()
			if !ok || err != nil || e.Position != want {
				t.Fatalf("event %d: %+v, %v, %v", want, e, err, ok)
			}
		}
		cancel()
		if _, err, _ := next(); !errors.Is(err, context.Canceled) {
			t.Fatalf("after cancel: %v, want context.Canceled", err)
		}
	})

	t.Run("on a closed store", func(t *testing.T) {
		s, err := jsonl.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		ctx := context.Background()
		for name, seq := range map[string]func(func(store.Event, error) bool){
			"Subscribe":  s.Subscribe(ctx, 0),
			"ReadAll":    s.ReadAll(ctx, 0),
			"ReadStream": s.ReadStream(ctx, "a", 0),
		} {
			for _, err := range seq {
				if !errors.Is(err, store.ErrClosed) {
					t.Errorf("%s: %v, want ErrClosed", name, err)
				}
			}
		}
		if _, err := s.Head(ctx); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Head: %v, want ErrClosed", err)
		}
		if err := s.Close(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("second Close: %v, want ErrClosed", err)
		}
	})
}

func TestStore_ReadAll_closedWhileReading(t *testing.T) {
	s, err := jsonl.Open(t.TempDir(), jsonl.WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 600 {
		mustAppend(t, s, "a", store.Any, ev("T", i))
	}
	n := 0
	var last error
	for _, err := range s.ReadAll(context.Background(), 0) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 1 {
			s.Close()
		}
	}
	if !errors.Is(last, store.ErrClosed) || n >= 600 {
		t.Fatalf("after %d events: %v, want ErrClosed before the end", n, last)
	}
}
