package readmodel_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/store"
)

// Readers run while Apply runs: run with -race. Each reader checks what it can check
// without knowing how far Apply got: counts never go back, lists are in creation order.
func TestConcurrentReadsDuringApply(t *testing.T) {
	const n = 2000
	l := newLog(t)
	for i := range n {
		r := "r" + strconv.Itoa(i%5)
		if i < 5 {
			l.add(restaurant.RestaurantCreated{RestaurantID: r, Name: "R", Menu: menu("m")})
		}
		id := "o" + strconv.Itoa(i)
		l.add(restaurant.RestaurantOrderPlaced{RestaurantID: r, OrderID: id, MenuItems: []restaurant.MenuItem{pizza()}})
		l.add(order.OrderCreated{OrderID: id, RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})
		if i%3 == 0 {
			l.add(order.OrderPrepared{OrderID: id})
		}
	}
	rs, os := readmodel.NewRestaurants(), readmodel.NewOrders()

	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	report := func(format string, args ...any) {
		select {
		case errs <- strings.TrimSpace(fmt.Sprintf(format, args...)):
		default:
		}
	}
	for reader := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lastTotal, lastVersion := 0, int64(0)
			filter := readmodel.OrderFilter{RestaurantID: "r" + strconv.Itoa(reader)}
			for {
				select {
				case <-done:
					return
				default:
				}
				p, err := os.List(filter, "", 50)
				if err != nil {
					report("List: %v", err)
					return
				}
				if p.TotalCount < lastTotal {
					report("TotalCount went back from %d to %d", lastTotal, p.TotalCount)
				}
				lastTotal = p.TotalCount
				prev := -1
				for _, o := range p.Nodes {
					k, _ := strconv.Atoi(strings.TrimPrefix(o.ID, "o"))
					if k <= prev || o.RestaurantID != filter.RestaurantID {
						report("list out of order or filter: %s after o%d", o.ID, prev)
					}
					prev = k
				}
				if p.HasNextPage {
					if _, err := os.List(filter, p.EndCursor, 50); err != nil {
						report("List(after): %v", err)
					}
				}
				// Backward, of a status, before an edge's cursor (each encoded outside the
				// lock, from what the page copied under it).
				if len(p.Nodes) > 1 {
					status := readmodel.OrderFilter{RestaurantID: filter.RestaurantID, Status: order.Created}
					b, err := os.Paginate(status, readmodel.Paging{Before: p.Cursor(len(p.Nodes) - 1), Last: 10})
					if err != nil {
						report("Paginate(before): %v", err)
					}
					for i, o := range b.Nodes {
						if o.Status != order.Created || i == len(b.Nodes)-1 && b.Cursor(i) != b.EndCursor {
							report("a backward page's order %d: %s is %s, cursor %q, endCursor %q", i, o.ID, o.Status, b.Cursor(i), b.EndCursor)
						}
					}
				}
				if rp, err := rs.Paginate(readmodel.Paging{Last: 3}); err != nil || len(rp.Nodes) > 0 && rp.Cursor(0) != rp.StartCursor {
					report("restaurants Paginate(last): %+v, %v", rp, err)
				}
				if r, ok := rs.Get(filter.RestaurantID); ok {
					if int64(r.Version) < lastVersion {
						report("version went back from %d to %d", lastVersion, r.Version)
					}
					lastVersion = int64(r.Version)
				}
				if _, err := rs.List("", 3); err != nil {
					report("restaurants List: %v", err)
				}
			}
		}()
	}
	for _, e := range l.events {
		if err := rs.Apply(e); err != nil {
			t.Error(err)
		}
		if err := os.Apply(e); err != nil {
			t.Error(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}

	p, err := os.List(readmodel.OrderFilter{Status: order.Prepared}, "", 100)
	if err != nil || p.TotalCount != (n+2)/3 {
		t.Errorf("prepared orders: total %d, %v; want %d", p.TotalCount, err, (n+2)/3)
	}
	r, ok := rs.Get("r0")
	if !ok || r.Version != store.Version(1+n/5) {
		t.Errorf("r0 version = %d, want %d", r.Version, 1+n/5)
	}
}
