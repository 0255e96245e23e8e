package eventsourcing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

	t.Run("others are decoded: written elsewhere, replaced, or another id", func(t *testing.T) {
		decodes.Store(0)
		s := newStore(t)
		d := eventsourcing.NewDecoded(2)
		h := newCounterHandler(s, eventsourcing.WithDecoded(d))
		if _, err := s.Append(ctx, "counter-x", store.NoStream, store.EventData{Type: "CounterCreated", Data: []byte(`{"id":"x"}`)}); err != nil {
			t.Fatal(err)
		}
		const n = 64
		for i := range n {
			mustHandle(t, h, createCounter{ID: fmt.Sprint("c", i)}, eventsourcing.Meta{})
		}
		events := readAll(t, s)
		renamed := events[n]
		renamed.ID = "another" // not an event the handler wrote
		for _, e := range append(events, renamed) {
			if _, err := eventsourcing.DecodeEvent(d, eventsourcing.Codec[counterEvent](codec), e); err != nil {
				t.Fatal(err)
			}
		}
		// Two slots remember the last two of the handler's events: the one written elsewhere,
		// the renamed one and the other n-2 are decoded.
		if got := decodes.Load(); got != n {
			t.Errorf("%d decodes, want %d", got, n)
		}
		// The last event is always remembered: nothing replaced it.
		decodes.Store(0)
		if _, err := eventsourcing.DecodeEvent(d, eventsourcing.Codec[counterEvent](codec), events[n]); err != nil || decodes.Load() != 0 {
			t.Errorf("the last event was decoded (%v)", err)
		}
	})

	t.Run("a subscriber that reads an event before the append returns finds it", func(t *testing.T) {
		decodes.Store(0)
		d := eventsourcing.NewDecoded(16)
		s := &readsOnAppend{Store: newStore(t), d: d, codec: codec}
		h := newCounterHandler(s, eventsourcing.WithDecoded(d))
		mustHandle(t, h, createCounter{ID: "a"}, eventsourcing.Meta{})
		mustHandle(t, h, addToCounter{ID: "a", N: 2}, eventsourcing.Meta{}) // two events of 1
		want := []counterEvent{counterCreated{ID: "a"}, counterAdded{ID: "a", N: 1}, counterAdded{ID: "a", N: 1}}
		if !slices.Equal(s.read, want) {
			t.Fatalf("read during the appends: %#v", s.read)
		}
		if n := decodes.Load(); n != 0 {
			t.Errorf("%d decodes, want 0", n)
		}
	})

	t.Run("the zero Decoded is ready to use", func(t *testing.T) {
		decodes.Store(0)
		s := newStore(t)
		d := &eventsourcing.Decoded{}
		h := newCounterHandler(s, eventsourcing.WithDecoded(d))
		mustHandle(t, h, createCounter{ID: "z"}, eventsourcing.Meta{})
		for _, e := range readAll(t, s) {
			if _, err := eventsourcing.DecodeEvent(d, eventsourcing.Codec[counterEvent](codec), e); err != nil {
				t.Fatal(err)
			}
		}
		if n := decodes.Load(); n != 0 {
			t.Errorf("%d decodes, want 0", n)
		}
	})

	t.Run("the handler counts each event's encoded size against the byte bound", func(t *testing.T) {
		s := newStore(t)
		mustHandle(t, newCounterHandler(s), createCounter{ID: "c0"}, eventsourcing.Meta{})
		one := len(readAll(t, s)[0].Data) // every createCounter{ID: "cN"} encodes to as many bytes

		decodes.Store(0)
		s = newStore(t)
		d := eventsourcing.NewDecoded(16, eventsourcing.WithDecodedBytes(2*one))
		h := newCounterHandler(s, eventsourcing.WithDecoded(d))
		const n = 5
		for i := range n {
			mustHandle(t, h, createCounter{ID: fmt.Sprint("c", i)}, eventsourcing.Meta{})
		}
		for _, e := range readAll(t, s) {
			if _, err := eventsourcing.DecodeEvent(d, eventsourcing.Codec[counterEvent](codec), e); err != nil {
				t.Fatal(err)
			}
		}
		// Room for two events' bytes: the last two come back as written, the rest are decoded.
		if got := decodes.Load(); got != n-2 {
			t.Errorf("%d decodes, want %d", got, n-2)
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

// readsOnAppend is a store that, before an append returns, reads the appended events back
// and decodes them with DecodeEvent, as a subscriber woken by the commit may.
type readsOnAppend struct {
	store.Store
	d     *eventsourcing.Decoded
	codec countingCodec
	read  []counterEvent
}

func (s *readsOnAppend) Append(ctx context.Context, stream string, expected store.Version, events ...store.EventData) (store.Appended, error) {
	app, err := s.Store.Append(ctx, stream, expected, events...)
	if err != nil {
		return app, err
	}
	for e, err := range s.ReadAll(ctx, app.Position-store.Position(len(events))) {
		if err != nil {
			return app, err
		}
		ev, err := eventsourcing.DecodeEvent(s.d, eventsourcing.Codec[counterEvent](s.codec), e)
		if err != nil {
			return app, err
		}
		s.read = append(s.read, ev)
	}
	return app, nil
}
