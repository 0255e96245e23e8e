package readmodel_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// fuzzStateLog is a small log of restaurants and orders, some prepared.
func fuzzStateLog(tb testing.TB) []store.Event {
	l := newLog(tb)
	for i := range 4 {
		r := fmt.Sprintf("r%d", i%2)
		if i < 2 {
			l.add(restaurant.RestaurantCreated{RestaurantID: r, Name: "Name " + r, Menu: menu("m" + r)})
		}
		o := fmt.Sprintf("o%d", i)
		l.add(order.OrderCreated{OrderID: o, RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})
		if i%2 == 0 {
			l.add(order.OrderPrepared{OrderID: o})
		}
	}
	return l.events
}

// FuzzOrders_ReadState: any bytes are either refused, leaving the read model as it was, or
// a state whose queries, further events and state written again work without a panic.
func FuzzOrders_ReadState(f *testing.F) {
	events := fuzzStateLog(f)
	full := readmodel.NewOrders()
	apply(f, full, events)
	var b bytes.Buffer
	if err := full.WriteState(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m := readmodel.NewOrders()
		if err := m.ReadState(bytes.NewReader(data)); err != nil {
			if pg, _ := m.List(readmodel.OrderFilter{}, "", 1); pg.TotalCount != 0 {
				t.Fatalf("a refused state left %d orders", pg.TotalCount)
			}
			return
		}
		for _, f := range []readmodel.OrderFilter{{}, {RestaurantID: "r0"}, {Status: order.Prepared}, {RestaurantID: "r1", Status: order.Created}} {
			pg, err := m.List(f, "", readmodel.MaxFirst)
			for err == nil && pg.HasNextPage {
				pg, err = m.List(f, pg.EndCursor, readmodel.MaxFirst)
			}
			if _, err := m.Paginate(f, readmodel.Paging{Last: readmodel.MaxFirst}); err != nil {
				t.Fatalf("Paginate(%+v, last): %v", f, err)
			}
		}
		for _, r := range []string{"r0", "r1", ""} {
			for _, e := range m.RestaurantEvents(r, 0, 1<<40, 100) {
				m.Get(e.OrderID)
			}
		}
		for _, e := range events {
			_ = m.Apply(e)
		}
		var again bytes.Buffer
		if err := m.WriteState(&again); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRestaurants_ReadState is FuzzOrders_ReadState for the restaurants.
func FuzzRestaurants_ReadState(f *testing.F) {
	events := fuzzStateLog(f)
	full := readmodel.NewRestaurants()
	apply(f, full, events)
	var b bytes.Buffer
	if err := full.WriteState(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m := readmodel.NewRestaurants()
		if err := m.ReadState(bytes.NewReader(data)); err != nil {
			return
		}
		pg, err := m.List("", readmodel.MaxFirst)
		for err == nil && pg.HasNextPage {
			pg, err = m.List(pg.EndCursor, readmodel.MaxFirst)
		}
		if _, err := m.Paginate(readmodel.Paging{Last: readmodel.MaxFirst}); err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			_ = m.Apply(e)
		}
	})
}
