package graph_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// BenchmarkHandler_ServeHTTP measures the server's own cost per request, without a network
// or a client: the GraphQL handler called directly, with the service's saga and projections
// running behind it (their allocations count too). "floor" is the no-op mutation the
// benchmark command compares mutations with; "mix" is its createRestaurant / placeOrder 1:4.
// live-B/op is the heap the requests leave behind (the store's events and the read models).
func BenchmarkHandler_ServeHTTP(b *testing.B) {
	const (
		create = `{"query":"mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id version position } }","variables":{"in":{"id":"%s","name":"Bench Bistro","menu":{"cuisine":"ITALIAN","menuItems":[{"menuItemId":"m1","name":"Pizza Margherita","price":"9.50"},{"menuItemId":"m2","name":"Tiramisu","price":"5.00"}]}}}}`
		place  = `{"query":"mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id version position } }","variables":{"in":{"restaurantId":"%s","menuItemIds":["m1","m2"]}}}`
	)
	cases := []struct {
		name string
		body func(g, i int64) string
	}{
		{"floor", func(int64, int64) string { return `{"query":"mutation { __typename }"}` }},
		{"mix", func(g, i int64) string {
			id := fmt.Sprint("r", g, "-", i/5)
			if i%5 == 0 {
				return fmt.Sprintf(create, id)
			}
			return fmt.Sprintf(place, id)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			e := newEnv(b)
			h := graph.NewHandler(e.svc, graph.Config{})
			var n atomic.Int64
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				// Each goroutine works on its own restaurants, in order.
				g := n.Add(1)
				var i int64
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(c.body(g, i)))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
					i++
				}
			})
			b.StopTimer()
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "live-B/op")
		})
	}
}
