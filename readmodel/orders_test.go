package readmodel_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/decider"
	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

func TestOrders_Apply(t *testing.T) {
	items := []restaurant.MenuItem{pizza(), pizza()}
	l := newLog(t)
	l.add(restaurant.RestaurantCreated{RestaurantID: "r1", Name: "Luigi's", Menu: menu("m1")})
	l.add(order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: items})
	l.add(order.OrderCreated{OrderID: "o2", RestaurantID: "r1", MenuItems: items})
	l.raw("other-1", "SomethingElse", []byte(`[]`))
	l.add(order.OrderPrepared{OrderID: "o1"})
	l.add(order.OrderPrepared{OrderID: "ghost"})

	m := readmodel.NewOrders()
	if m.Name() != "orders" {
		t.Errorf("Name() = %q", m.Name())
	}
	apply(t, m, l.events)

	tests := []struct {
		id   string
		want readmodel.Order
		ok   bool
	}{
		// Created when its OrderCreated was appended, updated when its latest event was.
		{"o1", readmodel.Order{ID: "o1", RestaurantID: "r1", MenuItems: items, Status: order.Prepared, Version: 2, Position: 5, CreatedAt: l.events[1].Time, UpdatedAt: l.events[4].Time}, true},
		{"o2", readmodel.Order{ID: "o2", RestaurantID: "r1", MenuItems: items, Status: order.Created, Version: 1, Position: 3, CreatedAt: l.events[2].Time, UpdatedAt: l.events[2].Time}, true},
		{"ghost", readmodel.Order{}, false},
		{"r1", readmodel.Order{}, false},
	}
	for _, tt := range tests {
		got, ok := m.Get(tt.id)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Get(%s) = %+v, %v; want %+v, %v", tt.id, got, ok, tt.want, tt.ok)
		}
		if r, ok := m.RestaurantOf(tt.id); ok != tt.ok || r != tt.want.RestaurantID {
			t.Errorf("RestaurantOf(%s) = %q, %v; want %q, %v", tt.id, r, ok, tt.want.RestaurantID, tt.ok)
		}
	}
	got, _ := m.Get("o1")
	got.MenuItems[0].Price = "0"
	if again, _ := m.Get("o1"); again.MenuItems[0].Price != "8.99" {
		t.Error("the read model changed with a returned value")
	}
	p, _ := m.List(readmodel.OrderFilter{}, "", 10)
	// The page reflects the order events up to the last (an OrderPrepared of an order it
	// does not hold, at 6), whatever page or filter.
	if p.Position != 6 {
		t.Errorf("a page's Position = %d, want 6, the last order event's", p.Position)
	}
	if p2, _ := m.List(readmodel.OrderFilter{RestaurantID: "nowhere"}, "", 1); p2.Position != 6 {
		t.Errorf("an empty page's Position = %d, want 6", p2.Position)
	}
	p.Nodes[0].MenuItems[0].Price = "0"
	if again, _ := m.Get("o1"); again.MenuItems[0].Price != "8.99" {
		t.Error("the read model changed with a listed value")
	}
}

func TestOrders_ApplyBadBody(t *testing.T) {
	l := newLog(t)
	e := l.raw("order-o1", "OrderPrepared", []byte(`{"orderId": ["x"]}`))
	if err := readmodel.NewOrders().Apply(e); err == nil {
		t.Error("Apply of an undecodable order event succeeded")
	}
}

func TestOrders_DuplicateCreateIsIgnored(t *testing.T) {
	l := newLog(t)
	l.add(order.OrderCreated{OrderID: "o1", RestaurantID: "r1", MenuItems: []restaurant.MenuItem{pizza()}})
	l.add(order.OrderCreated{OrderID: "o1", RestaurantID: "r2", MenuItems: []restaurant.MenuItem{pizza()}})
	m := readmodel.NewOrders()
	apply(t, m, l.events)
	p, err := m.List(readmodel.OrderFilter{}, "", 10)
	if err != nil || p.TotalCount != 1 || len(p.Nodes) != 1 || p.Nodes[0].RestaurantID != "r1" {
		t.Errorf("List = %+v, %v; want the first order only", p, err)
	}
}

// world is a random mix of orders at a few restaurants, some prepared, with the expected
// state of each order computed independently of the read model.
type world struct {
	orders  *readmodel.Orders
	all     []readmodel.Order // in creation order
	filters []readmodel.OrderFilter
}

func newWorld(t *testing.T, seed uint64, n int) world {
	rng := rand.New(rand.NewPCG(seed, 1))
	l := newLog(t)
	restaurants := []string{"r0", "r1", "r2", "r3"}
	var all []readmodel.Order
	for i := range n {
		id := "o" + strconv.Itoa(i)
		r := restaurants[rng.IntN(len(restaurants)-1)] // r3 has no orders
		e := l.add(order.OrderCreated{OrderID: id, RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})
		all = append(all, readmodel.Order{ID: id, RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}, Status: order.Created, Version: 1, Position: e.Position, CreatedAt: e.Time, UpdatedAt: e.Time})
		if i > 0 && rng.IntN(2) == 0 { // prepare a random earlier order
			j := rng.IntN(i)
			if all[j].Status == order.Created {
				e := l.add(order.OrderPrepared{OrderID: all[j].ID})
				all[j].Status, all[j].Version, all[j].Position, all[j].UpdatedAt = order.Prepared, 2, e.Position, e.Time
			}
		}
	}
	m := readmodel.NewOrders()
	apply(t, m, l.events)
	var filters []readmodel.OrderFilter
	for _, r := range append([]string{""}, restaurants...) {
		for _, s := range []order.Status{"", order.Created, order.Prepared} {
			filters = append(filters, readmodel.OrderFilter{RestaurantID: r, Status: s})
		}
	}
	return world{orders: m, all: all, filters: filters}
}

func (w world) want(f readmodel.OrderFilter) []readmodel.Order {
	var out []readmodel.Order
	for _, o := range w.all {
		if (f.RestaurantID == "" || o.RestaurantID == f.RestaurantID) && (f.Status == "" || o.Status == f.Status) {
			out = append(out, o)
		}
	}
	return out
}

func TestOrders_List(t *testing.T) {
	// 300 orders: a restaurant's and a status's sets span several 64-bit words.
	for _, n := range []int{60, 300} {
		testOrdersList(t, newWorld(t, 42, n))
	}
}

func testOrdersList(t *testing.T, w world) {
	for _, f := range w.filters {
		for _, first := range []int{1, 4, 7, 100} {
			t.Run(fmt.Sprintf("%d orders, restaurant %q status %q pages of %d", len(w.all), f.RestaurantID, f.Status, first), func(t *testing.T) {
				want := w.want(f)
				var got []readmodel.Order
				after := ""
				for pages := 0; ; pages++ {
					if pages > len(w.all) {
						t.Fatal("too many pages")
					}
					p, err := w.orders.List(f, after, first)
					if err != nil {
						t.Fatal(err)
					}
					if p.TotalCount != len(want) {
						t.Errorf("TotalCount = %d, want %d", p.TotalCount, len(want))
					}
					if len(p.Nodes) > first || (p.HasNextPage && len(p.Nodes) != first) {
						t.Fatalf("%d nodes on a page of %d (next page: %v)", len(p.Nodes), first, p.HasNextPage)
					}
					got = append(got, p.Nodes...)
					if !p.HasNextPage {
						break
					}
					after = p.EndCursor
				}
				if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("listed %d orders, want %d:\ngot  %v\nwant %v", len(got), len(want), ids(got), ids(want))
				}
			})
		}
	}
}

func ids(os []readmodel.Order) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestOrders_ListCursors(t *testing.T) {
	l := newLog(t)
	for i, r := range []string{"r1", "r2", "r1", "r2", "r1"} {
		l.add(order.OrderCreated{OrderID: "o" + strconv.Itoa(i), RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})
	}
	m := readmodel.NewOrders()
	apply(t, m, l.events)
	page := func(f readmodel.OrderFilter, after string, first int) readmodel.Page[readmodel.Order] {
		t.Helper()
		p, err := m.List(f, after, first)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("a cursor of the whole list continues a status list", func(t *testing.T) {
		c := page(readmodel.OrderFilter{}, "", 2).EndCursor // after o1
		got := ids(page(readmodel.OrderFilter{Status: order.Created}, c, 10).Nodes)
		if want := []string{"o2", "o3", "o4"}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("a cursor of a restaurant's order continues that restaurant's list", func(t *testing.T) {
		c := page(readmodel.OrderFilter{}, "", 1).EndCursor // o0 at r1
		got := ids(page(readmodel.OrderFilter{RestaurantID: "r1"}, c, 10).Nodes)
		if want := []string{"o2", "o4"}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("a status list goes on when its last order changes status", func(t *testing.T) {
		f := readmodel.OrderFilter{Status: order.Created}
		p := page(f, "", 2) // o0, o1
		if err := m.Apply(l.add(order.OrderPrepared{OrderID: "o1"})); err != nil {
			t.Fatal(err)
		}
		rest := page(f, p.EndCursor, 10)
		if got, want := ids(rest.Nodes), []string{"o2", "o3", "o4"}; !reflect.DeepEqual(got, want) || rest.TotalCount != 4 {
			t.Errorf("got %v (total %d), want %v (total 4)", got, rest.TotalCount, want)
		}
	})
	t.Run("a cursor of another restaurant's order is rejected", func(t *testing.T) {
		c := page(readmodel.OrderFilter{RestaurantID: "r2"}, "", 1).EndCursor
		if _, err := m.List(readmodel.OrderFilter{RestaurantID: "r1"}, c, 10); !errors.Is(err, readmodel.ErrBadCursor) {
			t.Errorf("error = %v, want ErrBadCursor", err)
		}
	})
	t.Run("a restaurant cursor is rejected", func(t *testing.T) {
		rs := readmodel.NewRestaurants()
		apply(t, rs, newLogWith(t, restaurant.RestaurantCreated{RestaurantID: "o0", Name: "R", Menu: menu("m")}))
		p, err := rs.List("", 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.List(readmodel.OrderFilter{}, p.EndCursor, 10); !errors.Is(err, readmodel.ErrBadCursor) {
			t.Errorf("error = %v, want ErrBadCursor", err)
		}
	})
	t.Run("garbage is rejected", func(t *testing.T) {
		for _, c := range []string{"x", "%%%", page(readmodel.OrderFilter{}, "", 1).EndCursor + "A"} {
			if _, err := m.List(readmodel.OrderFilter{}, c, 10); !errors.Is(err, readmodel.ErrBadCursor) || !errors.Is(err, decider.ErrInvalid) {
				t.Errorf("List(%q) error = %v, want ErrBadCursor", c, err)
			}
		}
	})
	t.Run("a place just past the end is rejected", func(t *testing.T) {
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		n := page(readmodel.OrderFilter{}, "", 100).TotalCount
		for _, c := range []string{
			enc("c1|order|" + strconv.Itoa(n) + "|o" + strconv.Itoa(n)),
			enc("c2|order|" + strconv.Itoa(n) + "|1|o" + strconv.Itoa(n)),
		} {
			if _, err := m.List(readmodel.OrderFilter{}, c, 10); !errors.Is(err, readmodel.ErrBadCursor) {
				t.Errorf("List(%q) error = %v, want ErrBadCursor", c, err)
			}
		}
	})
	t.Run("first outside 1..100 is rejected", func(t *testing.T) {
		for _, first := range []int{0, -5, 101} {
			if _, err := m.List(readmodel.OrderFilter{}, "", first); !errors.Is(err, decider.ErrInvalid) {
				t.Errorf("List(first=%d) error = %v, want ErrInvalid", first, err)
			}
		}
	})
	t.Run("an unknown restaurant has no orders", func(t *testing.T) {
		p := page(readmodel.OrderFilter{RestaurantID: "nobody", Status: order.Created}, "", 5)
		if len(p.Nodes) != 0 || p.TotalCount != 0 || p.HasNextPage || p.EndCursor != "" {
			t.Errorf("got %+v", p)
		}
	})
}

func newLogWith(t *testing.T, events ...any) []store.Event {
	l := newLog(t)
	for _, e := range events {
		l.add(e)
	}
	return l.events
}

// RestaurantEvents lists the events of a restaurant's orders in log order, within the
// positions asked for, a page at a time; an event outside its order's stream is not one.
func TestOrders_RestaurantEvents(t *testing.T) {
	items := []restaurant.MenuItem{pizza()}
	l := newLog(t)
	l.add(order.OrderCreated{OrderID: "a1", RestaurantID: "a", MenuItems: items}) // 1
	l.add(order.OrderCreated{OrderID: "b1", RestaurantID: "b", MenuItems: items}) // 2
	l.add(order.OrderCreated{OrderID: "a2", RestaurantID: "a", MenuItems: items}) // 3
	l.add(order.OrderPrepared{OrderID: "b1"})                                     // 4
	l.add(order.OrderPrepared{OrderID: "a1"})                                     // 5
	l.raw("elsewhere", "OrderPrepared", []byte(`{"orderId":"a2"}`))               // 6: not a2's stream
	l.add(order.OrderPrepared{OrderID: "ghost"})                                  // 7
	l.add(order.OrderPrepared{OrderID: "a2"})                                     // 8
	m := readmodel.NewOrders()
	apply(t, m, l.events)

	ev := func(id string, p store.Position) readmodel.OrderEvent {
		return readmodel.OrderEvent{OrderID: id, Position: p}
	}
	tests := []struct {
		restaurant  string
		after, upTo store.Position
		max         int
		want        []readmodel.OrderEvent
	}{
		{"a", 0, 8, 10, []readmodel.OrderEvent{ev("a1", 1), ev("a2", 3), ev("a1", 5), ev("a2", 8)}},
		{"a", 1, 8, 2, []readmodel.OrderEvent{ev("a2", 3), ev("a1", 5)}},
		{"a", 3, 7, 10, []readmodel.OrderEvent{ev("a1", 5)}},
		{"a", 8, 100, 10, nil},
		{"a", 0, 8, 0, nil},
		{"b", 0, 8, 10, []readmodel.OrderEvent{ev("b1", 2), ev("b1", 4)}},
		{"nobody", 0, 8, 10, nil},
	}
	for _, tt := range tests {
		if got := m.RestaurantEvents(tt.restaurant, tt.after, tt.upTo, tt.max); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("RestaurantEvents(%s, %d, %d, %d) = %v, want %v", tt.restaurant, tt.after, tt.upTo, tt.max, got, tt.want)
		}
	}
}
