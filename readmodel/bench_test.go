package readmodel_test

import (
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

func benchLog(b *testing.B, n int) []store.Event {
	l := newLog(b)
	for i := range 10 {
		l.add(restaurant.RestaurantCreated{RestaurantID: "r" + strconv.Itoa(i), Name: "R", Menu: menu("m")})
	}
	for i := range n {
		r, id := "r"+strconv.Itoa(i%10), "o"+strconv.Itoa(i)
		l.add(restaurant.RestaurantOrderPlaced{RestaurantID: r, OrderID: id, MenuItems: []restaurant.MenuItem{pizza()}})
		l.add(order.OrderCreated{OrderID: id, RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})
		if i%1000 != 999 { // one order in a thousand waits to be prepared
			l.add(order.OrderPrepared{OrderID: id})
		}
	}
	return l.events
}

func BenchmarkApply(b *testing.B) {
	events := benchLog(b, 10000)
	b.ResetTimer()
	applied := 0
	for b.Loop() {
		rs, os := readmodel.NewRestaurants(), readmodel.NewOrders()
		for _, e := range events {
			if err := rs.Apply(e); err != nil {
				b.Fatal(err)
			}
			if err := os.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
		applied += len(events)
	}
	b.ReportMetric(float64(applied)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkOrdersList(b *testing.B) {
	os := readmodel.NewOrders()
	for _, e := range benchLog(b, 10000) {
		if err := os.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
	filters := map[string]readmodel.OrderFilter{
		"all":        {},
		"restaurant": {RestaurantID: "r3"},
		"status":     {Status: order.Prepared},
		// A status few orders are in: the page is found among all the others.
		"rare status":            {Status: order.Created},
		"restaurant rare status": {RestaurantID: "r9", Status: order.Created},
	}
	for name, f := range filters {
		b.Run(name, func(b *testing.B) {
			after := ""
			for b.Loop() {
				p, err := os.List(f, after, 20)
				if err != nil {
					b.Fatal(err)
				}
				after = p.EndCursor
				if !p.HasNextPage {
					after = ""
				}
			}
		})
	}
}
