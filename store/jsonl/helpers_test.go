package jsonl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// openStore opens a store in dir and closes it at the end of the test.
func openStore(tb testing.TB, dir string, opts ...jsonl.Option) *jsonl.Store {
	tb.Helper()
	s, err := jsonl.Open(dir, opts...)
	if err != nil {
		tb.Fatalf("Open(%s): %v", dir, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// ev returns an event with a small JSON body.
func ev(typ string, n int) store.EventData {
	return store.EventData{Type: typ, Data: json.RawMessage(fmt.Sprintf(`{"n": %d, "orderId": "o-%d"}`, n, n)),
		Metadata: map[string]string{"commandId": fmt.Sprintf("c-%d", n)}}
}

// mustAppend appends and fails the test on error.
func mustAppend(tb testing.TB, s store.Store, stream string, expected store.Version, events ...store.EventData) store.Appended {
	tb.Helper()
	a, err := s.Append(context.Background(), stream, expected, events...)
	if err != nil {
		tb.Fatalf("Append(%s, %d): %v", stream, expected, err)
	}
	return a
}

// collect drains an iterator, failing the test on an error.
func collect(tb testing.TB, seq func(func(store.Event, error) bool)) []store.Event {
	tb.Helper()
	var out []store.Event
	for e, err := range seq {
		if err != nil {
			tb.Fatalf("iteration: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// readAll returns every event of s.
func readAll(tb testing.TB, s store.Store) []store.Event {
	tb.Helper()
	return collect(tb, s.ReadAll(context.Background(), 0))
}

// iterPull turns an event iterator into a pull function.
func iterPull(seq func(func(store.Event, error) bool)) (func() (store.Event, error, bool), func()) {
	return iter.Pull2(seq)
}
