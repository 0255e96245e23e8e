package readmodel_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/eventgraph/eventgraph/domain/order"
	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/readmodel"
)

// TestOrders_ListWhileChanging pages through a random filter of a random log while orders
// are created and prepared between the pages: every page lists only orders that match the
// filter then, in creation order, no order twice, and every order that existed before the
// first page and matched the filter throughout is listed.
func TestOrders_ListWhileChanging(t *testing.T) {
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 7))
		l := newLog(t)
		m := readmodel.NewOrders()
		type state struct {
			restaurant string
			status     order.Status
		}
		var created []string // order ids in creation order
		states := map[string]*state{}
		create := func() {
			id := "o" + strconv.Itoa(len(created))
			r := "r" + strconv.Itoa(rng.IntN(3))
			if err := m.Apply(l.add(order.OrderCreated{OrderID: id, RestaurantID: r, MenuItems: []restaurant.MenuItem{pizza()}})); err != nil {
				t.Fatal(err)
			}
			created = append(created, id)
			states[id] = &state{r, order.Created}
		}
		prepare := func() {
			if len(created) == 0 {
				return
			}
			id := created[rng.IntN(len(created))]
			if err := m.Apply(l.add(order.OrderPrepared{OrderID: id})); err != nil {
				t.Fatal(err)
			}
			states[id].status = order.Prepared
		}
		change := func() {
			if rng.IntN(3) == 0 {
				prepare()
			} else {
				create()
			}
		}
		for range rng.IntN(200) {
			change()
		}

		var f readmodel.OrderFilter
		if rng.IntN(2) == 0 {
			f.RestaurantID = "r" + strconv.Itoa(rng.IntN(4)) // r3 has no orders
		}
		f.Status = []order.Status{"", order.Created, order.Prepared}[rng.IntN(3)]
		first := 1 + rng.IntN(10)
		if rng.IntN(5) == 0 {
			first = readmodel.MaxFirst
		}
		matches := func(id string) bool {
			s := states[id]
			return (f.RestaurantID == "" || s.restaurant == f.RestaurantID) && (f.Status == "" || s.status == f.Status)
		}
		before := slices.Clone(created)
		throughout := map[string]bool{}
		for _, id := range before {
			throughout[id] = matches(id)
		}

		var listed []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > len(created) {
				t.Fatalf("seed %d: too many pages", seed)
			}
			p, err := m.List(f, after, first)
			if err != nil {
				t.Fatalf("seed %d: List(%+v, %q, %d): %v", seed, f, after, first, err)
			}
			if len(p.Nodes) > first || (p.HasNextPage && len(p.Nodes) != first) {
				t.Fatalf("seed %d: %d nodes on a page of %d (next page: %v)", seed, len(p.Nodes), first, p.HasNextPage)
			}
			for _, n := range p.Nodes {
				if !matches(n.ID) {
					t.Fatalf("seed %d: listed %s, which %+v does not select", seed, n.ID, f)
				}
				listed = append(listed, n.ID)
			}
			if (len(p.Nodes) == 0) != (p.EndCursor == "") {
				t.Fatalf("seed %d: %d nodes with end cursor %q", seed, len(p.Nodes), p.EndCursor)
			}
			if !p.HasNextPage {
				break
			}
			after = p.EndCursor
			for range rng.IntN(4) {
				change()
			}
			for _, id := range before {
				throughout[id] = throughout[id] && matches(id)
			}
		}

		at := map[string]int{}
		for i, id := range created {
			at[id] = i
		}
		for i, id := range listed {
			if i > 0 && at[id] <= at[listed[i-1]] {
				t.Fatalf("seed %d: %s listed after %s, not in creation order (or twice)", seed, id, listed[i-1])
			}
		}
		seen := map[string]bool{}
		for _, id := range listed {
			seen[id] = true
		}
		for _, id := range before {
			if throughout[id] && !seen[id] {
				t.Fatalf("seed %d: %s matched %+v throughout but was not listed (pages of %d)", seed, id, f, first)
			}
		}
	}
}
