package readmodel_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// stateLog returns a log of restaurants, menu changes, placed, created and prepared orders,
// with the odd events the read models must keep too (a second OrderCreated, a ghost's
// OrderPrepared, an order event in another stream).
func stateLog(t *testing.T) []store.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	l := newLog(t)
	var orders []string
	for i := range 200 {
		r := fmt.Sprintf("r%d", i%7)
		switch {
		case i < 7:
			l.add(restaurant.RestaurantCreated{RestaurantID: r, Name: "Name " + r, Menu: menu("m" + r)})
		case i%17 == 0:
			l.add(restaurant.RestaurantMenuChanged{RestaurantID: r, Menu: menu(fmt.Sprintf("m%d", i))})
		case i%5 == 0 && len(orders) > 0:
			l.add(order.OrderPrepared{OrderID: orders[rng.IntN(len(orders))]})
		default:
			o := fmt.Sprintf("o%d", i)
			items := []restaurant.MenuItem{pizza()}
			if i%3 == 0 {
				items = append(items, restaurant.MenuItem{MenuItemID: "water", Name: "Water", Price: "0"})
			}
			l.add(restaurant.RestaurantOrderPlaced{RestaurantID: r, OrderID: o, MenuItems: []restaurant.MenuItem{pizza()}})
			l.add(order.OrderCreated{OrderID: o, RestaurantID: r, MenuItems: items})
			orders = append(orders, o)
		}
	}
	l.add(order.OrderCreated{OrderID: orders[0], RestaurantID: "r0", MenuItems: []restaurant.MenuItem{pizza()}})
	l.add(order.OrderPrepared{OrderID: "ghost"})
	typ, data, err := order.Codec{}.Encode(order.OrderPrepared{OrderID: orders[1]})
	if err != nil {
		t.Fatal(err)
	}
	l.raw("elsewhere", typ, data)
	return l.events
}

// restart returns a fresh projection of p's kind loaded with p's state.
func restart[P eventsourcing.StatefulProjection](t *testing.T, p P, fresh P) P {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteState(&b); err != nil {
		t.Fatalf("WriteState: %v", err)
	}
	if err := fresh.ReadState(&b); err != nil {
		t.Fatalf("ReadState: %v", err)
	}
	return fresh
}

func TestRestaurants_stateEqualsReplay(t *testing.T) {
	log := stateLog(t)
	for _, cut := range []int{0, 1, 60, len(log) / 2, len(log)} {
		t.Run(fmt.Sprintf("restarted after %d events", cut), func(t *testing.T) {
			// given a read model that applied the first events, and a cursor it gave out
			before := readmodel.NewRestaurants()
			apply(t, before, log[:cut])
			old, err := before.List("", 2)
			if err != nil {
				t.Fatal(err)
			}
			// when it is restarted from its state and applies the rest
			got := restart(t, before, readmodel.NewRestaurants())
			apply(t, got, log[cut:])
			// then it answers as the read model that replayed the whole log
			want := readmodel.NewRestaurants()
			apply(t, want, log)
			for i := range 9 {
				id := fmt.Sprintf("r%d", i)
				g, gok := got.Get(id)
				w, wok := want.Get(id)
				if gok != wok || !reflect.DeepEqual(g, w) {
					t.Errorf("Get(%s) = %+v, %v; want %+v, %v", id, g, gok, w, wok)
				}
			}
			for _, p := range []readmodel.Paging{{First: 3}, {Last: 2}, {After: old.EndCursor, First: 100}, {Before: old.EndCursor, Last: 5}} {
				g, gerr := got.Paginate(p)
				w, werr := want.Paginate(p)
				if !reflect.DeepEqual(g, w) || (gerr == nil) != (werr == nil) {
					t.Errorf("Paginate(%+v) = %+v, %v; want %+v, %v", p, g, gerr, w, werr)
				}
			}
		})
	}
}

func TestOrders_stateEqualsReplay(t *testing.T) {
	log := stateLog(t)
	for _, cut := range []int{0, 1, 60, len(log) / 2, len(log)} {
		t.Run(fmt.Sprintf("restarted after %d events", cut), func(t *testing.T) {
			before := readmodel.NewOrders()
			apply(t, before, log[:cut])
			old, err := before.List(readmodel.OrderFilter{}, "", 3)
			if err != nil {
				t.Fatal(err)
			}
			got := restart(t, before, readmodel.NewOrders())
			apply(t, got, log[cut:])
			want := readmodel.NewOrders()
			apply(t, want, log)
			for i := range 200 {
				id := fmt.Sprintf("o%d", i)
				g, gok := got.Get(id)
				w, wok := want.Get(id)
				if gok != wok || !reflect.DeepEqual(g, w) {
					t.Errorf("Get(%s) = %+v, %v; want %+v, %v", id, g, gok, w, wok)
				}
			}
			for _, f := range []readmodel.OrderFilter{{}, {RestaurantID: "r1"}, {Status: order.Prepared}, {RestaurantID: "r2", Status: order.Created}, {RestaurantID: "nowhere"}} {
				if gr, wr := got.RestaurantEvents(f.RestaurantID, 0, 1<<40, 1000), want.RestaurantEvents(f.RestaurantID, 0, 1<<40, 1000); !reflect.DeepEqual(gr, wr) {
					t.Errorf("RestaurantEvents(%q) = %v; want %v", f.RestaurantID, gr, wr)
				}
				for _, p := range []readmodel.Paging{{First: 7}, {Last: 4}, {After: old.EndCursor, First: 100}, {Before: old.EndCursor, Last: 5}} {
					// Page after page, as a client follows the cursors.
					for range 30 {
						g, gerr := got.Paginate(f, p)
						w, werr := want.Paginate(f, p)
						if !reflect.DeepEqual(g, w) || (gerr == nil) != (werr == nil) {
							t.Fatalf("Paginate(%+v, %+v) = %+v, %v; want %+v, %v", f, p, g, gerr, w, werr)
						}
						if gerr != nil || !g.HasNextPage || p.First == 0 {
							break
						}
						p.After = g.EndCursor
					}
				}
			}
		})
	}
}

func TestReadModels_ReadStateDamaged(t *testing.T) {
	log := stateLog(t)
	for _, tc := range []struct {
		name  string
		full  eventsourcing.StatefulProjection
		fresh func() eventsourcing.StatefulProjection
		empty func(p eventsourcing.StatefulProjection) bool
	}{
		{"restaurants", readmodel.NewRestaurants(), func() eventsourcing.StatefulProjection { return readmodel.NewRestaurants() },
			func(p eventsourcing.StatefulProjection) bool {
				pg, _ := p.(*readmodel.Restaurants).List("", 1)
				return pg.TotalCount == 0
			}},
		{"orders", readmodel.NewOrders(), func() eventsourcing.StatefulProjection { return readmodel.NewOrders() },
			func(p eventsourcing.StatefulProjection) bool {
				pg, _ := p.(*readmodel.Orders).List(readmodel.OrderFilter{}, "", 1)
				return pg.TotalCount == 0 && len(p.(*readmodel.Orders).RestaurantEvents("r1", 0, 1<<40, 10)) == 0
			}},
	} {
		t.Run(tc.name+": a state cut short or with bytes after it is refused and leaves the read model empty", func(t *testing.T) {
			apply(t, tc.full, log)
			var b bytes.Buffer
			if err := tc.full.WriteState(&b); err != nil {
				t.Fatal(err)
			}
			state := b.Bytes()
			for _, bad := range [][]byte{state[:len(state)-1], state[:len(state)/2], state[:1], append(bytes.Clone(state), 0)} {
				p := tc.fresh()
				if err := p.ReadState(bytes.NewReader(bad)); err == nil {
					t.Errorf("ReadState of %d bytes of %d: nil error", len(bad), len(state))
				}
				if !tc.empty(p) {
					t.Errorf("ReadState of %d bytes of %d left the read model filled", len(bad), len(state))
				}
			}
		})
	}
}
