package eventsourcing_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/store"
)

// countingCodec is counterCodec counting its decodes.
type countingCodec struct {
	counterCodec
	decodes *atomic.Int64
}

func (c countingCodec) Decode(typ string, data json.RawMessage) (counterEvent, error) {
	c.decodes.Add(1)
	return c.counterCodec.Decode(typ, data)
}

func TestDecodeEvent(t *testing.T) {
	ctx := context.Background()
	var decodes atomic.Int64
	codec := countingCodec{decodes: &decodes}

	t.Run("events the handler wrote come back without a decode", func(t *testing.T) {
		decodes.Store(0)
		s := newStore(t)
		d := eventsourcing.NewDecoded(16)
		h := newCounterHandler(s, eventsourcing.WithDecoded(d))
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		mustHandle(t, h, addToCounter{ID: "a", N: 5}, eventsourcing.Meta{})
		var got []counterEvent
		for _, e := range readAll(t, s) {
			ev, err := eventsourcing.DecodeEvent(d, eventsourcing.Codec[counterEvent](codec), e)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev)
		}
		if n := decodes.Load(); n != 0 {
			t.Errorf("%d decodes, want 0", n)
		}
		if len(got) != 2 || got[0] != (counterCreated{ID: "a"}) || got[1] != (counterAdded{ID: "a", N: 5}) {
			t.Fatalf("decoded %#v", got)
		}
	})

	t.Run("others are decoded: written elsewhere, evicted, or another id at the position", func(t *testing.T) {
		decodes.Store(0)
		s := newStore(t)
		d := eventsourcing.NewDecoded(2)
		h := newCounterHandler(s, eventsourcing.WithDecoded(d))
		if _, err := s.Append(ctx, "counter-x", store.NoStream, store.EventData{Type: "CounterCreated", Data: []byte(`{"id":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a", "b", "c"} { // positions 2, 3, 4: 2 is evicted by 4
			mustHandle(t, h, createCounter{ID: id}, eventsourcing.Meta{})
		}
		events := readAll(t, s)
		moved := events[3]
		moved.ID = "another" // what a different store at the same position would hold
		for _, e := range append(events, moved) {
			if _, err := eventsourcing.DecodeEvent(d, eventsourcing.Codec[counterEvent](codec), e); err != nil {
				t.Fatal(err)
			}
		}
		// Decoded: position 1 (not written by the handler), 2 (evicted) and the moved one.
		if n := decodes.Load(); n != 3 {
			t.Errorf("%d decodes, want 3", n)
		}
	})

	t.Run("a nil Decoded decodes everything", func(t *testing.T) {
		decodes.Store(0)
		e := store.Event{ID: "e", Position: 1, Type: "CounterCreated", Data: []byte(`{"id":"n"}`)}
		ev, err := eventsourcing.DecodeEvent(nil, eventsourcing.Codec[counterEvent](codec), e)
		if err != nil || ev != (counterCreated{ID: "n"}) || decodes.Load() != 1 {
			t.Fatalf("DecodeEvent = %#v, %v after %d decodes; want counterCreated{n} after 1", ev, err, decodes.Load())
		}
	})
}
