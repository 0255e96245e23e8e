package graph_test

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkPlaceOrder measures placeOrder mutations over loopback HTTP, in parallel, on one
// restaurant (the handler serialises per stream).
func BenchmarkPlaceOrder(b *testing.B) {
	e := newEnv(b)
	e.create(b, restaurantInput("r1", "a"))
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			r, err := e.client.Query(testContext(b), placeOrder, map[string]any{"in": map[string]any{
				"restaurantId": "r1", "orderId": fmt.Sprint("o", i), "menuItemIds": []string{"a"}}})
			if err != nil || r.Err() != nil {
				b.Fatalf("%v %v", err, r.Err())
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mutations/s")
}

// BenchmarkRestaurantsQuery measures a page of 20 restaurants with their menus.
func BenchmarkRestaurantsQuery(b *testing.B) {
	e := newEnv(b)
	var last result
	for i := range 20 {
		last = e.create(b, restaurantInput(fmt.Sprint("r", i), "a", "b", "c"))
	}
	e.must(b, `query($p: Int64) { restaurants(minPosition: $p) { totalCount } }`, map[string]any{"p": last.Position}, nil)
	q := `{ restaurants(first: 20) { nodes { ` + restaurantFields + ` } totalCount } }`
	b.ResetTimer()
	for b.Loop() {
		e.must(b, q, nil, nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
