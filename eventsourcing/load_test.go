package eventsourcing_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

func TestLoad(t *testing.T) {
	s := newStore(t)
	h := newCounterHandler(s)
	ctx := context.Background()
	view := counterDecider().View()

	// An entity that does not exist yet: its initial state at version 0, at once (Watch
	// would wait for its first event).
	got, err := eventsourcing.Load(ctx, s, "counter-a", view, counterCodec{})
	if err != nil || got.Version != 0 || got.Position != 0 || got.State != (counterState{}) {
		t.Fatalf("Load of a stream without events = %+v, %v; want the initial state at version 0", got, err)
	}

	mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
	mustHandle(t, h, createCounter{ID: "b"}, eventsourcing.Meta{})
	last := mustHandle(t, h, addToCounter{ID: "a", N: 5}, eventsourcing.Meta{})
	got, err = eventsourcing.Load(ctx, s, "counter-a", view, counterCodec{})
	if want := (counterState{Exists: true, Value: 5}); err != nil || got.State != want || got.Version != 2 || got.Position != last.Position {
		t.Errorf("Load = %+v, %v; want %+v at version 2, position %d", got, err, want, last.Position)
	}

	// An event the codec does not handle moves the version on, as in Watch.
	other, err := s.Append(ctx, "counter-a", store.Any, store.EventData{Type: "SomethingElse", Data: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err = eventsourcing.Load(ctx, s, "counter-a", view, counterCodec{}); err != nil || got.Version != 3 || got.Position != other.Position || got.State.Value != 5 {
		t.Errorf("Load after an event the codec skips = %+v, %v; want value 5 at version 3", got, err)
	}

	// A body the codec cannot decode is an error naming the stream and the event.
	if _, err := s.Append(ctx, "counter-a", store.Any, store.EventData{Type: "CounterAdded", Data: json.RawMessage(`"five"`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eventsourcing.Load(ctx, s, "counter-a", view, counterCodec{}); err == nil || !strings.Contains(err.Error(), "counter-a") || !strings.Contains(err.Error(), "event 4") {
		t.Errorf("Load of an event the codec cannot decode: %v, want an error naming the stream and the event", err)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, stream := range []string{"counter-b", "counter-none"} {
		if _, err := eventsourcing.Load(canceled, s, stream, view, counterCodec{}); !errors.Is(err, context.Canceled) {
			t.Errorf("Load of %s with a canceled context: %v, want context.Canceled", stream, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := eventsourcing.Load(ctx, s, "counter-b", view, counterCodec{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Load from a closed store: %v, want ErrClosed", err)
	}
}
