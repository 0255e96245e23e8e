package main

import (
	"context"
	"fmt"

	"github.com/eventgraph/eventgraph/store"
)

// storeTarget drives an eventgraph store.Store: every writer appends one-event batches to its
// own stream with the expected version it last got back.
type storeTarget struct {
	s store.Store
}

func (t storeTarget) writer(id int) appendFunc {
	stream := streamName(id)
	events := []store.EventData{{Type: eventType, Data: eventData}}
	var version store.Version
	return func(ctx context.Context) error {
		a, err := t.s.Append(ctx, stream, version, events...)
		if err != nil {
			return err
		}
		version = a.Version
		return nil
	}
}

// fill appends n events to stream in batches of 100.
func (t storeTarget) fill(ctx context.Context, stream string, n int) error {
	const batch = 100
	var version store.Version
	for n > 0 {
		k := min(batch, n)
		events := make([]store.EventData, k)
		for i := range events {
			events[i] = store.EventData{Type: eventType, Data: eventData}
		}
		a, err := t.s.Append(ctx, stream, version, events...)
		if err != nil {
			return err
		}
		version = a.Version
		n -= k
	}
	return nil
}

func (t storeTarget) read(ctx context.Context, stream string) (int, error) {
	n := 0
	for e, err := range t.s.ReadStream(ctx, stream, 0) {
		if err != nil {
			return n, err
		}
		if e.Version != store.Version(n+1) || len(e.Data) == 0 {
			return n, fmt.Errorf("read %s: event %d has version %d", stream, n+1, e.Version)
		}
		n++
	}
	return n, nil
}

func (t storeTarget) close() error { return t.s.Close() }
