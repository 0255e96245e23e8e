package restaurant_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/domain/restaurant"
)

// BenchmarkState_JSON encodes and decodes a restaurant's state as a snapshot keeps it
// (eventsourcing.WithSnapshots, whose handler calls MarshalJSON and UnmarshalJSON
// directly): its set of order ids grows with every order placed there.
func BenchmarkState_JSON(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		s := restaurant.State{Exists: true, ID: "r", Name: "R"}
		for i := range n {
			s.Orders.Add(fmt.Sprintf("0b5c2a4e-6f1d-4a53-9c1e-%012d", i))
		}
		enc, err := json.Marshal(s)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("marshal/orders=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("unmarshal/orders=%d", n), func(b *testing.B) {
			for b.Loop() {
				var got restaurant.State
				if err := got.UnmarshalJSON(enc); err != nil || got.Orders.Len() != n {
					b.Fatalf("%d orders, %v", got.Orders.Len(), err)
				}
			}
		})
	}
}
