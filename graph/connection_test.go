package graph_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// connection is a page of restaurants or orders as the API returns it, with both shapes.
type connection struct {
	Nodes []struct{ ID string }
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage     bool
		HasPreviousPage bool
		StartCursor     *string
		EndCursor       *string
	}
	TotalCount int
}

const connectionFields = `nodes { id } edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount`

func (c connection) ids() []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.ID)
	}
	return out
}

// check holds a page to what Relay's connections promise: edges are the nodes one to one,
// with startCursor and endCursor the first and last edge's cursors (both null for an empty
// page).
func (c connection) check(tb testing.TB, what string) {
	tb.Helper()
	if len(c.Edges) != len(c.Nodes) {
		tb.Fatalf("%s: %d edges for %d nodes", what, len(c.Edges), len(c.Nodes))
	}
	for i, e := range c.Edges {
		if e.Node.ID != c.Nodes[i].ID || e.Cursor == "" {
			tb.Fatalf("%s: edge %d is %+v, node %d is %s", what, i, e, i, c.Nodes[i].ID)
		}
	}
	if len(c.Edges) == 0 {
		if c.PageInfo.StartCursor != nil || c.PageInfo.EndCursor != nil {
			tb.Fatalf("%s: an empty page with cursors %+v", what, c.PageInfo)
		}
		return
	}
	if s, e := c.PageInfo.StartCursor, c.PageInfo.EndCursor; s == nil || e == nil || *s != c.Edges[0].Cursor || *e != c.Edges[len(c.Edges)-1].Cursor {
		tb.Fatalf("%s: pageInfo %+v, want the cursors of the first and last edges %q, %q", what, c.PageInfo, c.Edges[0].Cursor, c.Edges[len(c.Edges)-1].Cursor)
	}
}

// pager reads pages of one list (restaurants, or orders with arguments) by the API.
type pager struct {
	e     *env
	field string // "restaurants", or "orders"
	args  string // other arguments, e.g. `restaurantId: "r1", `
	min   int64  // the minPosition of every page: the list's last write
}

// page reads the page of size ("first: 2", "last: 3") after and before the cursors (nil:
// none).
func (p pager) page(tb testing.TB, size string, after, before any) connection {
	tb.Helper()
	q := fmt.Sprintf(`query($after: String, $before: String) { list: %s(%s%s, after: $after, before: $before, minPosition: %d) { %s } }`, p.field, p.args, size, p.min, connectionFields)
	var out struct{ List connection }
	p.e.must(tb, q, map[string]any{"after": after, "before": before}, &out)
	out.List.check(tb, q)
	return out.List
}

// TestConnections_edges: restaurants and orders are Relay connections beside their nodes:
// an edge per node, whose cursor pages on right after its node, forward (after) and backward
// (before), and the page's start and end cursors those of its first and last edges.
func TestConnections_edges(t *testing.T) {
	e := newEnv(t)
	var restaurants []string
	for i := range 7 {
		id := fmt.Sprintf("r%d", i)
		e.create(t, restaurantInput(id, "m1"))
		restaurants = append(restaurants, id)
	}
	var r0Orders []string
	var last int64
	for i := range 6 {
		id := fmt.Sprintf("o%d", i)
		at := "r0"
		if i%3 == 2 {
			at = "r1"
		} else {
			r0Orders = append(r0Orders, id)
		}
		last = e.place(t, map[string]any{"restaurantId": at, "orderId": id, "menuItemIds": []string{"m1"}}).Position
	}
	// The orders exist once the saga created them: wait for the last placement's.
	e.must(t, fmt.Sprintf(`{ order(id: "o5", minPosition: %d) { id } }`, last), nil, nil)

	for _, tt := range []struct {
		name string
		p    pager
		want []string
	}{
		{"restaurants", pager{e: e, field: "restaurants", min: last}, restaurants},
		{"a restaurant's orders", pager{e: e, field: "orders", args: `restaurantId: "r0", `, min: last}, r0Orders},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all := tt.p.page(t, "first: 100", nil, nil)
			if got := all.ids(); !reflect.DeepEqual(got, tt.want) || all.PageInfo.HasNextPage || all.PageInfo.HasPreviousPage {
				t.Fatalf("the whole list: %v %+v, want %v on one page", got, all.PageInfo, tt.want)
			}
			n := len(tt.want)
			for i, edge := range all.Edges {
				// after: an edge's cursor pages on right after its node...
				next := tt.p.page(t, "first: 2", edge.Cursor, nil)
				if want := tt.want[i+1 : min(i+3, n)]; !slices.Equal(next.ids(), want) {
					t.Errorf("after edge %d (%s): %v, want %v", i, edge.Node.ID, next.ids(), want)
				}
				if !next.PageInfo.HasPreviousPage || next.PageInfo.HasNextPage != (i+3 < n) {
					t.Errorf("after edge %d: pageInfo %+v, want a previous page, and a next one when nodes are left", i, next.PageInfo)
				}
				// ...and backward, before it, right up to it; the edges are the same cursors
				// the forward page issued for those nodes.
				prev := tt.p.page(t, "last: 2", nil, edge.Cursor)
				if want := tt.want[max(i-2, 0):i]; !slices.Equal(prev.ids(), want) {
					t.Errorf("before edge %d (%s): %v, want %v", i, edge.Node.ID, prev.ids(), want)
				}
				for j, pe := range prev.Edges {
					if pe.Cursor != all.Edges[max(i-2, 0)+j].Cursor {
						t.Errorf("before edge %d: edge %d's cursor %q differs from the one the forward page issued", i, j, pe.Cursor)
					}
				}
				if prev.PageInfo.HasPreviousPage != (i > 2) || !prev.PageInfo.HasNextPage {
					t.Errorf("before edge %d: pageInfo %+v, want a previous page when nodes are left, and a next one", i, prev.PageInfo)
				}
			}
			// The last page of a forward walk, as the existing contract has it: an empty page
			// after the last node, with null cursors, no next page, and the nodes before it.
			end := tt.p.page(t, "first: 3", all.Edges[n-1].Cursor, nil)
			if len(end.Nodes) != 0 || end.PageInfo.HasNextPage || !end.PageInfo.HasPreviousPage || end.TotalCount != n {
				t.Errorf("after the last node: %+v, want an empty page with nodes before it", end)
			}
			// Walked backward from the end with last and startCursor, the list comes whole.
			var back []string
			before := any(nil)
			for pages := 0; ; pages++ {
				if pages > n {
					t.Fatal("too many pages")
				}
				p := tt.p.page(t, "last: 3", nil, before)
				back = append(p.ids(), back...)
				if !p.PageInfo.HasPreviousPage {
					break
				}
				before = *p.PageInfo.StartCursor
			}
			if !slices.Equal(back, tt.want) {
				t.Errorf("walked backward: %v, want %v", back, tt.want)
			}
		})
	}

	t.Run("a status list's edges page on after an order that changed status", func(t *testing.T) {
		p := pager{e: e, field: "orders", args: `restaurantId: "r0", status: CREATED, `, min: last}
		first := p.page(t, "first: 2", nil, nil)
		prepared := e.do(t, markPrepared, map[string]any{"in": map[string]any{"id": first.Edges[1].Node.ID}})
		if err := prepared.Err(); err != nil {
			t.Fatal(err)
		}
		var done struct{ MarkOrderAsPrepared result }
		if err := prepared.Decode(&done); err != nil {
			t.Fatal(err)
		}
		p.min = done.MarkOrderAsPrepared.Position
		next := p.page(t, "first: 10", first.Edges[1].Cursor, nil)
		if want := r0Orders[2:]; !slices.Equal(next.ids(), want) {
			t.Errorf("after %s, now prepared: %v, want %v", first.Edges[1].Node.ID, next.ids(), want)
		}
		prev := p.page(t, "last: 10", nil, first.Edges[1].Cursor)
		if want := r0Orders[:1]; !slices.Equal(prev.ids(), want) {
			t.Errorf("before %s, now prepared: %v, want %v", first.Edges[1].Node.ID, prev.ids(), want)
		}
	})

	t.Run("edges selected in a fragment, or in a second selection of the field, are built", func(t *testing.T) {
		for _, q := range []string{
			`{ restaurants(first: 3) { nodes { id } ...E } } fragment E on RestaurantConnection { edges { cursor node { id } } }`,
			`{ restaurants(first: 3) { nodes { id } } restaurants(first: 3) { ... on RestaurantConnection { edges { cursor node { id } } } } }`,
			`query($e: Boolean!) { restaurants(first: 3) { nodes { id } edges @include(if: $e) { cursor node { id } } } }`,
		} {
			var vars map[string]any
			if strings.Contains(q, "$e") {
				vars = map[string]any{"e": true}
			}
			var out struct{ Restaurants connection }
			e.must(t, q, vars, &out)
			if len(out.Restaurants.Edges) != 3 {
				t.Fatalf("%s: %d edges, want 3", q, len(out.Restaurants.Edges))
			}
			out.Restaurants.PageInfo.StartCursor, out.Restaurants.PageInfo.EndCursor = &out.Restaurants.Edges[0].Cursor, &out.Restaurants.Edges[2].Cursor
			out.Restaurants.check(t, q)
		}
	})

	t.Run("an empty list", func(t *testing.T) {
		p := pager{e: e, field: "orders", args: `restaurantId: "r6", `, min: last}
		for _, paging := range []string{"first: 5", "last: 5"} {
			c := p.page(t, paging, nil, nil)
			if len(c.Edges) != 0 || c.PageInfo.HasNextPage || c.PageInfo.HasPreviousPage || c.TotalCount != 0 {
				t.Errorf("%s: %+v, want an empty page", paging, c)
			}
		}
	})
}

// TestConnections_arguments: last is 1–100 as first is, never with a first the query gave,
// and before is a cursor the server issued for the list, as after is: each else
// BAD_USER_INPUT naming the argument.
func TestConnections_arguments(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"r1", "r2"} {
		e.create(t, restaurantInput(id, "m1"))
	}
	var r2 struct {
		Restaurants struct {
			Edges []struct{ Cursor string }
		}
	}
	e.must(t, `{ restaurants(first: 2, minPosition: 2) { edges { cursor } } }`, nil, &r2)
	cursor := r2.Restaurants.Edges[1].Cursor

	for _, tt := range []struct {
		query string
		vars  map[string]any
		field string
	}{
		{`{ restaurants(last: 0) { totalCount } }`, nil, "last"},
		{`{ restaurants(last: 101) { totalCount } }`, nil, "last"},
		{`{ orders(last: -1) { totalCount } }`, nil, "last"},
		{`{ restaurants(first: 20, last: 2) { totalCount } }`, nil, "last"},
		{`{ orders(first: 5, last: 5) { totalCount } }`, nil, "last"},
		{`query($f: Int) { restaurants(first: $f, last: 2) { totalCount } }`, map[string]any{"f": 3}, "last"},
		{`query($f: Int = 3) { restaurants(first: $f, last: 2) { totalCount } }`, nil, "last"},
		{`{ restaurants(before: "") { totalCount } }`, nil, "before"},
		{`{ restaurants(last: 2, before: "nope") { totalCount } }`, nil, "before"},
		{`{ orders(last: 2, before: "nope") { totalCount } }`, nil, "before"},
		{`query($c: String) { orders(last: 2, before: $c) { totalCount } }`, map[string]any{"c": cursor}, "before"}, // a restaurant's cursor
		{`{ restaurants(after: "nope", last: 2) { totalCount } }`, nil, "after"},
	} {
		err := e.wantCode(t, graph.CodeBadUserInput, tt.query, tt.vars)
		if err.Extensions["field"] != tt.field {
			t.Errorf("%s: %+v, want the field %s named", tt.query, err, tt.field)
		}
	}

	// A first left out, null, or given a variable left out is no first: last pages alone.
	for _, tt := range []struct {
		query string
		vars  map[string]any
	}{
		{`{ restaurants(last: 1) { nodes { id } } }`, nil},
		{`{ restaurants(first: null, last: 1) { nodes { id } } }`, nil},
		{`query($f: Int, $l: Int) { restaurants(first: $f, last: $l) { nodes { id } } }`, map[string]any{"l": 1}},
		{`query($f: Int, $l: Int) { restaurants(first: $f, last: $l) { nodes { id } } }`, map[string]any{"f": nil, "l": 1}},
		{`query($c: String) { restaurants(last: 1, before: $c) { nodes { id } } }`, map[string]any{"c": nil}},
	} {
		var out struct {
			Restaurants struct{ Nodes []struct{ ID string } }
		}
		e.must(t, tt.query, tt.vars, &out)
		if len(out.Restaurants.Nodes) != 1 || out.Restaurants.Nodes[0].ID != "r2" {
			t.Errorf("%s %v: %+v, want the last restaurant", tt.query, tt.vars, out)
		}
	}
	// A null last is no last: first pages, with its default.
	var out struct {
		Restaurants struct{ Nodes []struct{ ID string } }
	}
	e.must(t, `{ restaurants(last: null) { nodes { id } } }`, nil, &out)
	if len(out.Restaurants.Nodes) != 2 {
		t.Errorf("last: null: %+v, want the first page", out)
	}
}

// TestConfig_ComplexityLimit_edges: edges { node { … } } costs what nodes { … } costs, and
// last counts as first does, so that neither shape nor direction dodges the limit.
func TestConfig_ComplexityLimit_edges(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{ComplexityLimit: 1}))
	cost := func(query string) int {
		t.Helper()
		err := e.wantCode(t, complexityCode, query, nil)
		var got, limit int
		if _, serr := fmt.Sscanf(err.Message, "operation has complexity %d, which exceeds the limit of %d", &got, &limit); serr != nil {
			t.Fatalf("message %q: %v", err.Message, serr)
		}
		return got
	}
	for _, tt := range []struct {
		name, nodes, edges string
	}{
		{"restaurants with their menus", `{ restaurants(first: 7) { nodes { id menu { menuItems { name } } } } }`,
			`{ restaurants(first: 7) { edges { node { id menu { menuItems { name } } } } } }`},
		{"orders with their items", `{ orders(first: 100) { nodes { id menuItems { name price } } totalCount } }`,
			`{ orders(first: 100) { edges { node { id menuItems { name price } } } totalCount } }`},
		{"a page of last", `{ restaurants(first: 50) { nodes { name } } }`, `{ restaurants(last: 50) { edges { node { name } } } }`},
		{"in fragments", `{ orders { nodes { ...O } } } fragment O on Order { id restaurant { name } }`,
			`{ orders { ...E } } fragment E on OrderConnection { edges { node { ...O } } } fragment O on Order { id restaurant { name } }`},
	} {
		nodes, edges := cost(tt.nodes), cost(tt.edges)
		if nodes != edges || nodes < 50 {
			t.Errorf("%s: edges cost %d, nodes %d; want the same, counted per node", tt.name, edges, nodes)
		}
	}
	// A page of 100 restaurants' menus costs some 50,000 a page whichever way it is asked for.
	want := 1 + 100*(1+1+(1+500))
	for _, q := range []string{
		`{ restaurants(first: 100) { nodes { menu { menuItems { name } } } } }`,
		`{ restaurants(first: 100) { edges { node { menu { menuItems { name } } } } } }`,
		`{ restaurants(last: 100) { edges { node { menu { menuItems { name } } } } } }`,
	} {
		if got := cost(q); got != want {
			t.Errorf("%s: complexity %d, want %d", q, got, want)
		}
	}
	// A cursor costs as a field.
	if a, b := cost(`{ restaurants(first: 3) { edges { node { id } } } }`), cost(`{ restaurants(first: 3) { edges { cursor node { id } } } }`); b != a+3 {
		t.Errorf("edges with their cursors cost %d, without %d; want 3 more", b, a)
	}
}
