package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store/jsonl"
)

// BenchmarkPlaceOrder_bigRestaurant places orders at a restaurant that holds orders=N of
// them, over the JSONL log (without sync) with a snapshot of the restaurant's state every
// 1,000 commands, as the server keeps them. The state holds every order id placed there, so
// a snapshot grows with the orders.
//
//   - cold: the first command of a new service (as after a restart), which reads the
//     snapshot and folds the events after it;
//   - cycle: 1,000 commands, one of which saves a snapshot; ns/command is their mean and
//     worst-ms the slowest (the one that saved it, unless the machine was busy). Each op
//     adds 1,000 orders: with -benchtime 10x the restaurant stays near N.
func BenchmarkPlaceOrder_bigRestaurant(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1_000, 100_000} {
		st, err := jsonl.Open(b.TempDir(), jsonl.WithNoSync())
		if err != nil {
			b.Fatal(err)
		}
		svc := service.New(st, service.WithSnapshots(1000))
		menu := restaurant.Menu{MenuID: "m1", Cuisine: restaurant.Italian, MenuItems: []restaurant.MenuItem{{MenuItemID: "pizza", Name: "Pizza", Price: "8.99"}}}
		if _, err := svc.CreateRestaurant(ctx, restaurant.CreateRestaurant{ID: "r1", Name: "Luigi's", Menu: menu}, eventsourcing.Meta{}); err != nil {
			b.Fatal(err)
		}
		next := 0
		place := func(tb testing.TB, svc *service.Service) {
			next++
			cmd := restaurant.PlaceOrder{ID: "r1", OrderID: fmt.Sprintf("0b5c2a4e-6f1d-4a53-9c1e-%012d", next), MenuItemIDs: []string{"pizza"}}
			if _, err := svc.PlaceOrder(ctx, cmd, eventsourcing.Meta{}); err != nil {
				tb.Fatal(err)
			}
		}
		for range n {
			place(b, svc)
		}
		b.Run(fmt.Sprintf("orders=%d/cold", n), func(b *testing.B) {
			for b.Loop() {
				place(b, service.New(st, service.WithSnapshots(1000)))
			}
		})
		b.Run(fmt.Sprintf("orders=%d/cycle", n), func(b *testing.B) {
			var worst time.Duration
			for b.Loop() {
				for range 1000 {
					start := time.Now()
					place(b, svc)
					worst = max(worst, time.Since(start))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/command")
			b.ReportMetric(float64(worst)/float64(time.Millisecond), "worst-ms")
		})
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
