package graph_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// TestConnections_model holds the pages of the restaurants and orders connections, read by
// the API, to a model: the whole list, read with nodes, in the creation order of the list of
// every restaurant or order. For random windows (after and before any node a cursor of the
// list may name, or none, in either order) and pages of the first or the last of them, the
// nodes, the edges' cursors, startCursor and endCursor, and hasNextPage and hasPreviousPage
// as Relay defines them and PageInfo describes them: with first, whether the window holds
// more, and whether the list holds nodes at or before after's; with last, whether the window
// holds more, and whether the list holds nodes at or after before's. Orders change status
// between rounds, so that status lists are paged with cursors of orders no longer in them.
func TestConnections_model(t *testing.T) {
	e := newEnv(t)
	for i := range 4 { // r3 has no order: an empty list
		e.create(t, restaurantInput(fmt.Sprintf("r%d", i), "m1"))
	}
	var last int64
	var orderIDs []string
	for i := range 24 {
		id := fmt.Sprintf("o%02d", i)
		orderIDs = append(orderIDs, id)
		last = e.place(t, map[string]any{"restaurantId": fmt.Sprintf("r%d", []int{0, 0, 1, 2, 0, 1}[i%6]), "orderId": id, "menuItemIds": []string{"m1"}}).Position
	}
	e.must(t, fmt.Sprintf(`{ order(id: "o23", minPosition: %d) { id } }`, last), nil, nil)

	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 3 {
		if round > 0 { // some orders change status between rounds
			for range 5 {
				id := orderIDs[rng.IntN(len(orderIDs))]
				r := e.do(t, markPrepared, map[string]any{"in": map[string]any{"id": id}})
				if r.Code() == "ORDER_ALREADY_PREPARED" {
					continue
				}
				var out struct{ MarkOrderAsPrepared result }
				if err := r.Decode(&out); err != nil {
					t.Fatal(err)
				}
				last = out.MarkOrderAsPrepared.Position
			}
		}
		// Every node's cursor, and its place in creation order, from the unfiltered lists.
		type node struct {
			place      int
			cursor     string
			restaurant string
		}
		restaurants, orders := map[string]node{}, map[string]node{}
		var restaurantOrder, orderOrder []string
		{
			var out struct {
				Restaurants struct {
					Edges []struct {
						Cursor string
						Node   struct{ ID string }
					}
				}
				Orders struct {
					Edges []struct {
						Cursor string
						Node   struct{ ID, RestaurantID string }
					}
				}
			}
			e.must(t, fmt.Sprintf(`{ restaurants(first: 100, minPosition: %d) { edges { cursor node { id } } } orders(first: 100) { edges { cursor node { id restaurantId } } } }`, last), nil, &out)
			for i, edge := range out.Restaurants.Edges {
				restaurants[edge.Node.ID] = node{place: i, cursor: edge.Cursor}
				restaurantOrder = append(restaurantOrder, edge.Node.ID)
			}
			for i, edge := range out.Orders.Edges {
				orders[edge.Node.ID] = node{place: i, cursor: edge.Cursor, restaurant: edge.Node.RestaurantID}
				orderOrder = append(orderOrder, edge.Node.ID)
			}
			if len(orderOrder) != len(orderIDs) {
				t.Fatalf("%d orders listed, want %d", len(orderOrder), len(orderIDs))
			}
		}
		for _, tt := range []struct {
			field, args string
			nodes       map[string]node
			named       []string // the nodes a cursor of the list may name
		}{
			{"restaurants", "", restaurants, restaurantOrder},
			{"orders", "", orders, orderOrder},
			{"orders", `restaurantId: "r0", `, orders, nil},
			{"orders", `restaurantId: "r1", status: CREATED, `, orders, nil},
			{"orders", `status: CREATED, `, orders, orderOrder},
			{"orders", `status: PREPARED, `, orders, orderOrder},
			{"orders", `restaurantId: "r0", status: PREPARED, `, orders, nil},
			{"orders", `restaurantId: "r3", `, orders, nil},
		} {
			named := tt.named
			if named == nil {
				var r string
				fmt.Sscanf(tt.args, "restaurantId: %q", &r)
				for _, id := range orderOrder {
					if orders[id].restaurant == r {
						named = append(named, id)
					}
				}
			}
			p := pager{e: e, field: tt.field, args: tt.args, min: last}
			whole := p.page(t, "first: 100", nil, nil)
			list := whole.ids()
			place := func(id string) int { return tt.nodes[id].place }
			for range 120 {
				var after, before any
				afterAt, beforeAt := -1, len(tt.nodes) // places: none
				if len(named) > 0 && rng.IntN(3) > 0 {
					id := named[rng.IntN(len(named))]
					after, afterAt = tt.nodes[id].cursor, place(id)
				}
				if len(named) > 0 && rng.IntN(3) > 0 {
					id := named[rng.IntN(len(named))]
					before, beforeAt = tt.nodes[id].cursor, place(id)
				}
				size := []int{1, 2, 3, 5, 100}[rng.IntN(5)]
				backward := rng.IntN(2) == 0
				var window []string
				atOrBeforeAfter, atOrAfterBefore := false, false
				for _, id := range list {
					at := place(id)
					if at <= afterAt {
						atOrBeforeAfter = true
					}
					if at >= beforeAt {
						atOrAfterBefore = true
					}
					if at > afterAt && at < beforeAt {
						window = append(window, id)
					}
				}
				want := window[:min(size, len(window))]
				wantNext, wantPrev := len(window) > size, atOrBeforeAfter
				paging := fmt.Sprintf("first: %d", size)
				if backward {
					want = window[max(len(window)-size, 0):]
					wantNext, wantPrev = atOrAfterBefore, len(window) > size
					paging = fmt.Sprintf("last: %d", size)
				}
				got := p.page(t, paging, after, before)
				what := fmt.Sprintf("%s(%s%s) after %d before %d (of %v)", tt.field, tt.args, paging, afterAt, beforeAt, list)
				if !slices.Equal(got.ids(), want) && len(want)+len(got.Nodes) > 0 {
					t.Fatalf("%s: %v, want %v", what, got.ids(), want)
				}
				for i, edge := range got.Edges {
					if edge.Cursor != tt.nodes[want[i]].cursor {
						t.Fatalf("%s: edge %d's cursor %q, want %q as the whole list's", what, i, edge.Cursor, tt.nodes[want[i]].cursor)
					}
				}
				if got.PageInfo.HasNextPage != wantNext || got.PageInfo.HasPreviousPage != wantPrev {
					t.Errorf("%s: hasNextPage %v, hasPreviousPage %v; want %v, %v", what, got.PageInfo.HasNextPage, got.PageInfo.HasPreviousPage, wantNext, wantPrev)
				}
				if got.TotalCount != len(list) {
					t.Errorf("%s: totalCount %d, want %d", what, got.TotalCount, len(list))
				}
			}
		}
	}

	t.Run("a cursor of another restaurant's list, or of another kind, is BAD_USER_INPUT naming its argument", func(t *testing.T) {
		var out struct {
			Restaurants struct{ Edges []struct{ Cursor string } }
			Orders      struct {
				Edges []struct {
					Cursor string
					Node   struct{ RestaurantID string }
				}
			}
		}
		e.must(t, `{ restaurants(first: 1) { edges { cursor } } orders(restaurantId: "r1", first: 1) { edges { cursor node { restaurantId } } } }`, nil, &out)
		r1Order, restaurantCursor := out.Orders.Edges[0].Cursor, out.Restaurants.Edges[0].Cursor
		for _, arg := range []string{"after", "before"} {
			for _, tt := range []struct{ query, cursor string }{
				{`query($c: String) { orders(restaurantId: "r0", last: 2, ` + arg + `: $c) { totalCount } }`, r1Order},
				{`query($c: String) { orders(restaurantId: "r0", status: CREATED, first: 2, ` + arg + `: $c) { totalCount } }`, r1Order},
				{`query($c: String) { orders(` + arg + `: $c) { totalCount } }`, restaurantCursor},
				{`query($c: String) { restaurants(last: 3, ` + arg + `: $c) { totalCount } }`, r1Order},
			} {
				err := e.wantCode(t, graph.CodeBadUserInput, tt.query, map[string]any{"c": tt.cursor})
				if err.Extensions["field"] != arg {
					t.Errorf("%s: %+v, want %s named", tt.query, err, arg)
				}
			}
		}
	})
}
