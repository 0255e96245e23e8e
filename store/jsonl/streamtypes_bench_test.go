package jsonl_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// BenchmarkReadStreamTypes reads the one event of a rare type in a stream of 50,000 (a
// restaurant's menu change among its placed orders), beside the baseline of reading the
// stream and keeping that type, in one run:
//
//	go test -run '^$' -bench ReadStreamTypes ./store/jsonl/
func BenchmarkReadStreamTypes(b *testing.B) {
	s, err := jsonl.Open(b.TempDir(), jsonl.WithNoSync())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 50_000
	batch := make([]store.EventData, 0, 1000)
	for i := range n {
		e := benchEvent()
		if i == n/2 {
			e.Type = "RestaurantMenuChanged"
		}
		if batch = append(batch, e); len(batch) == cap(batch) {
			if _, err := s.Append(b.Context(), "restaurant-hot", store.Any, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	types := []string{"RestaurantMenuChanged"}
	b.Run("ReadStream filtered (baseline)", func(b *testing.B) {
		for b.Loop() {
			found := 0
			for e, err := range s.ReadStream(b.Context(), "restaurant-hot", 0) {
				if err != nil {
					b.Fatal(err)
				}
				if e.Type == types[0] {
					found++
				}
			}
			if found != 1 {
				b.Fatalf("found %d", found)
			}
		}
	})
	b.Run("ReadStreamTypes", func(b *testing.B) {
		for b.Loop() {
			found := 0
			for _, err := range s.ReadStreamTypes(b.Context(), "restaurant-hot", 0, types) {
				if err != nil {
					b.Fatal(err)
				}
				found++
			}
			if found != 1 {
				b.Fatalf("found %d", found)
			}
		}
	})
}
