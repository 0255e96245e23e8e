package readmodel_test

import (
	"fmt"
	"runtime"
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

// BenchmarkOrdersMemory reports the heap the orders read model keeps per order (live-B/order)
// after a replay, as a restarted server builds it: every event decoded from its JSON, with
// ids as the server generates them (UUIDs), 100 restaurants of five dishes and orders of one
// to three of them.
func BenchmarkOrdersMemory(b *testing.B) {
	const restaurants, orders = 100, 20000
	uuid := func(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i) }
	l := newLog(b)
	dishes := func(r int) []restaurant.MenuItem {
		var items []restaurant.MenuItem
		for d := range 5 {
			items = append(items, restaurant.MenuItem{MenuItemID: uuid(r, d), Name: "Dish number " + strconv.Itoa(d), Price: "1" + strconv.Itoa(d) + ".50"})
		}
		return items
	}
	for r := range restaurants {
		l.add(restaurant.RestaurantCreated{RestaurantID: uuid(1, r), Name: "R", Menu: restaurant.Menu{MenuID: "m", Cuisine: restaurant.Italian, MenuItems: dishes(r)}})
	}
	for i := range orders {
		r, id := i%restaurants, uuid(2, i)
		menu := dishes(r)
		items := menu[i%5 : i%5+1+i%3%(5-i%5)]
		l.add(order.OrderCreated{OrderID: id, RestaurantID: uuid(1, r), MenuItems: items})
		l.add(order.OrderPrepared{OrderID: id})
	}
	reportLivePerOrder(b, l.events, orders)
}

// BenchmarkOrdersMemoryDistinctItems is BenchmarkOrdersMemory for a load whose orders share no
// item (three dishes of their own each): what keeping one copy of each list costs when no
// list or item repeats.
func BenchmarkOrdersMemoryDistinctItems(b *testing.B) {
	const orders = 20000
	uuid := func(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i) }
	l := newLog(b)
	for i := range orders {
		id := uuid(2, i)
		items := make([]restaurant.MenuItem, 3)
		for d := range items {
			items[d] = restaurant.MenuItem{MenuItemID: uuid(3, 3*i+d), Name: "Dish number " + strconv.Itoa(3*i+d), Price: "1" + strconv.Itoa(d) + ".50"}
		}
		l.add(order.OrderCreated{OrderID: id, RestaurantID: uuid(1, i%100), MenuItems: items})
	}
	reportLivePerOrder(b, l.events, orders)
}

// reportLivePerOrder applies events to a new orders read model in each iteration and reports
// the heap the model keeps per order (live-B/order).
func reportLivePerOrder(b *testing.B, events []store.Event, orders int) {
	var live float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := readmodel.NewOrders()
		for _, e := range events {
			if err := m.Apply(e); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(orders)
		runtime.KeepAlive(m)
	}
	b.ReportMetric(live, "live-B/order")
}
