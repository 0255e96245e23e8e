package graph_test

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// TestErrors_Codes checks every error code of the API, and that a rejected command writes
// nothing.
func TestErrors_Codes(t *testing.T) {
	// Long enough for the saga and the read models on a loaded machine, short enough for the
	// case that waits it out.
	e := newEnv(t, withService(service.WithConsistencyTimeout(2*time.Second)))
	e.create(t, restaurantInput("r1", "pizza", "pasta"))
	placed := e.place(t, map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pizza"}})
	e.must(t, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position}, nil)
	e.must(t, `mutation { markOrderAsPrepared(input: {id: "o1", commandId: "prep-o1"}) { id } }`, nil, nil)
	// Entities whose ids the server derived from the command ids (the client omitted them).
	derived := restaurantInput("", "pizza")
	delete(derived, "id")
	derived["commandId"] = "mk-derived"
	e.must(t, createRestaurant, map[string]any{"in": derived}, nil)
	e.create(t, restaurantInput("r2", "pizza", "pasta"))
	derivedOrder := e.place(t, map[string]any{"restaurantId": "r2", "menuItemIds": []string{"pizza"}, "commandId": "po-derived"})
	// The saga creates the order after the placement: wait for it, or its write would land
	// during a case below that checks that nothing is written.
	e.must(t, `query($p: Int64) { orders(minPosition: $p) { totalCount } }`, map[string]any{"p": derivedOrder.Position}, nil)

	withID := func(id string) map[string]any { in := restaurantInput("x", "a"); in["id"] = id; return in }
	badMenu := func(mutate func(m map[string]any)) map[string]any {
		in := restaurantInput("x2", "a")
		mutate(in["menu"].(map[string]any))
		return in
	}

	tests := []struct {
		name   string
		code   string
		query  string
		vars   map[string]any
		assert func(t *testing.T, err map[string]any, msg string)
	}{
		{name: "empty optional restaurant id", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": withID("")}},
		{name: "bad restaurant id characters", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": withID("a b")}},
		{name: "blank name", code: graph.CodeBadUserInput, query: createRestaurant,
			vars:   map[string]any{"in": map[string]any{"id": "x", "name": "   ", "menu": menu("a")}},
			assert: field("input.name")},
		{name: "bad price", code: graph.CodeBadUserInput, query: createRestaurant,
			vars:   map[string]any{"in": badMenu(func(m map[string]any) { m["menuItems"].([]map[string]any)[0]["price"] = "1.999" })},
			assert: field("input.menu.menuItems[0].price")},
		{name: "empty optional menuId", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": badMenu(func(m map[string]any) { m["menuId"] = "" })}},
		{name: "empty menu", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": badMenu(func(m map[string]any) { m["menuItems"] = []any{} })}},
		{name: "empty optional orderId", code: graph.CodeBadUserInput, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "", "menuItemIds": []string{"pizza"}}}},
		{name: "order without items", code: graph.CodeBadUserInput, query: placeOrder,
			vars:   map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{}}},
			assert: field("input.menuItemIds")},
		{name: "empty commandId", code: graph.CodeBadUserInput, query: placeOrder,
			vars:   map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pizza"}, "commandId": ""}},
			assert: field("input.commandId")},
		// Variables are read as GraphQL's input coercion asks: a String is a string, an Int a
		// whole number of 32 bits, an ID a string or a whole number.
		{name: "price sent as a number", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": func() map[string]any {
				in := restaurantInput("x3", "a")
				in["menu"].(map[string]any)["menuItems"].([]map[string]any)[0]["price"] = 1.10
				return in
			}()}},
		{name: "expectedVersion sent as a string", code: graph.CodeBadUserInput, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pizza"}, "expectedVersion": "1"}}},
		// gqlparser refuses it first (before the Int is read): the same code and field.
		{name: "expectedVersion of 1.5", code: graph.CodeBadUserInput, query: placeOrder,
			vars:   map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pizza"}, "expectedVersion": 1.5}},
			assert: field("in.expectedVersion")},
		{name: "expectedVersion beyond 32 bits", code: graph.CodeBadUserInput, query: `mutation { markOrderAsPrepared(input: {id: "o1", expectedVersion: 99999999999}) { id } }`},
		{name: "an id of 1.5", code: graph.CodeBadUserInput, query: `query($id: ID!) { order(id: $id) { id } }`, vars: map[string]any{"id": 1.5}},
		{name: "negative expectedVersion", code: graph.CodeBadUserInput, query: placeOrder,
			vars:   map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pizza"}, "expectedVersion": -1}},
			assert: field("input.expectedVersion")},
		{name: "first 0", code: graph.CodeBadUserInput, query: `{ restaurants(first: 0) { totalCount } }`},
		{name: "first 101", code: graph.CodeBadUserInput, query: `{ orders(first: 101) { totalCount } }`},
		// A lookup by an id no entity can have is a client's mistake, as a filter by one is.
		{name: "restaurant of an empty id", code: graph.CodeBadUserInput, query: `{ restaurant(id: "") { id } }`, assert: field("id")},
		{name: "order of an id with a space", code: graph.CodeBadUserInput, query: `{ order(id: "o 1") { id } }`, assert: field("id")},
		{name: "orders of an empty restaurant id", code: graph.CodeBadUserInput, query: `{ orders(restaurantId: "") { totalCount } }`,
			assert: field("restaurantId")},
		// Input is checked before a minPosition wait, which would end in CONSISTENCY_TIMEOUT.
		{name: "restaurant of a bad id beyond the head", code: graph.CodeBadUserInput,
			query: `{ restaurant(id: "r 1", minPosition: 1000000000) { id } }`, assert: field("id")},
		{name: "events first 0", code: graph.CodeBadUserInput, query: `{ events(first: 0) { id } }`},
		{name: "events of an empty stream id", code: graph.CodeBadUserInput, query: `{ events(streamId: "") { id } }`},
		{name: "events first 101", code: graph.CodeBadUserInput, query: `{ events(first: 101) { id } }`},
		{name: "events of 101 types", code: graph.CodeBadUserInput, query: `query($t: [String!]) { events(types: $t) { id } }`,
			vars: map[string]any{"t": manyTypes(101)}, assert: field("types")},
		// A list variable longer than any argument takes is refused before the operation is
		// priced (gqlgen coerces every alias's arguments to price it).
		{name: "a variable list of 1001 items", code: graph.CodeBadUserInput, query: `query($t: [String!]) { events(types: $t) { id } }`,
			vars: map[string]any{"t": manyTypes(1001)}, assert: field("t")},
		// So is a default of as many, before validation (which converts a default at every
		// use of its variable): the refusal comes before the unknown field's.
		{name: "a variable default list of 1001 items", code: graph.CodeBadUserInput,
			query: `query($t: [String!] = [` + strings.Repeat(`"T", `, 1001) + `]) { events(types: $t) { id } nope }`, assert: field("t")},
		{name: "cursor the server did not issue", code: graph.CodeBadUserInput, query: `{ restaurants(after: "bogus") { totalCount } }`,
			assert: field("after")},
		{name: "order cursor the server did not issue", code: graph.CodeBadUserInput, query: `{ orders(after: "bogus") { totalCount } }`},
		// An empty page's endCursor is null: an empty cursor is not one the server issued.
		{name: "empty cursor", code: graph.CodeBadUserInput, query: `{ restaurants(after: "") { totalCount } }`, assert: field("after")},
		{name: "empty order cursor", code: graph.CodeBadUserInput, query: `{ orders(after: "") { totalCount } }`, assert: field("after")},
		{name: "negative minPosition", code: graph.CodeBadUserInput, query: `{ restaurant(id: "r1", minPosition: -1) { id } }`},
		{name: "Int64 that is not an integer", code: graph.CodeBadUserInput, query: `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { id } }`,
			vars: map[string]any{"p": "twelve"}},
		// gqlparser checks an enum in a variable without regard to case; gqlgen does not.
		{name: "cuisine in lower case", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": withCuisine(restaurantInput("r9", "a"), "italian")},
			assert: func(t *testing.T, ext map[string]any, msg string) {
				if !strings.Contains(msg, "Cuisine") || !strings.Contains(msg, `"italian"`) || !strings.Contains(msg, "ITALIAN") {
					t.Fatalf("message %q", msg)
				}
			}},
		{name: "cuisine in title case", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": withCuisine(restaurantInput("r9", "a"), "Italian")}},
		{name: "order status in lower case", code: graph.CodeBadUserInput, query: `query($s: OrderStatus) { orders(status: $s) { totalCount } }`,
			vars: map[string]any{"s": "prepared"}},
		{name: "unknown restaurant", code: graph.CodeNotFound, query: changeMenu,
			vars: map[string]any{"in": map[string]any{"id": "nope", "menu": menu("a")}}},
		{name: "order at unknown restaurant", code: graph.CodeNotFound, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "nope", "menuItemIds": []string{"a"}}}},
		{name: "unknown order", code: graph.CodeNotFound, query: markPrepared,
			vars: map[string]any{"in": map[string]any{"id": "nope"}}},
		{name: "restaurant exists", code: graph.CodeAlreadyExists, query: createRestaurant,
			vars: map[string]any{"in": restaurantInput("r1", "a")}},
		{name: "order id already placed", code: graph.CodeAlreadyExists, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pizza"}}}},
		{name: "items not on the menu", code: graph.CodeMenuItemsNotAvailable, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pizza", "sushi", "tacos", "sushi"}}},
			assert: func(t *testing.T, ext map[string]any, msg string) {
				got := fmt.Sprint(ext["missingMenuItemIds"])
				if got != "[sushi tacos]" {
					t.Fatalf("missingMenuItemIds %s", got)
				}
			}},
		{name: "order prepared twice", code: graph.CodeOrderAlreadyPrepared, query: markPrepared,
			vars: map[string]any{"in": map[string]any{"id": "o1"}},
			assert: func(t *testing.T, ext map[string]any, msg string) {
				if msg != `order "o1" is already prepared` { // it named no order
					t.Fatalf("message %q", msg)
				}
			}},
		{name: "stale expectedVersion", code: graph.CodeVersionConflict, query: changeMenu,
			vars: map[string]any{"in": map[string]any{"id": "r1", "menu": menu("a"), "expectedVersion": 1}},
			assert: func(t *testing.T, ext map[string]any, msg string) {
				if fmt.Sprint(ext["actualVersion"]) != "2" || fmt.Sprint(ext["expectedVersion"]) != "1" {
					t.Fatalf("extensions %v", ext)
				}
			}},
		{name: "stale expectedVersion on an order", code: graph.CodeVersionConflict, query: markPrepared,
			vars: map[string]any{"in": map[string]any{"id": "o1", "expectedVersion": 7}}},
		{name: "commandId reused with another command", code: graph.CodeCommandIDReused, query: createRestaurant,
			vars: map[string]any{"in": func() map[string]any { in := restaurantInput("fresh", "a"); in["commandId"] = "prep-o1"; return in }()}},
		// The order of checks puts a command's own input, existence and expected version first.
		{name: "commandId reused with invalid input", code: graph.CodeBadUserInput, query: createRestaurant,
			vars: map[string]any{"in": func() map[string]any {
				in := restaurantInput("fresh", "a")
				in["commandId"] = "prep-o1"
				in["name"] = "  "
				return in
			}()}},
		{name: "commandId reused for an order that does not exist", code: graph.CodeNotFound, query: markPrepared,
			vars: map[string]any{"in": map[string]any{"id": "o2", "commandId": "prep-o1"}}},
		{name: "commandId reused with a stale expectedVersion", code: graph.CodeVersionConflict, query: changeMenu,
			vars: map[string]any{"in": map[string]any{"id": "r1", "menu": menu("x"), "expectedVersion": 7, "commandId": "prep-o1"}}},
		{name: "commandId reused to create a restaurant that exists", code: graph.CodeAlreadyExists, query: createRestaurant,
			vars: map[string]any{"in": func() map[string]any { in := restaurantInput("r1", "a"); in["commandId"] = "prep-o1"; return in }()}},
		// An entity under an id derived from the command id was created by the command id's
		// first use: ALREADY_EXISTS would name an entity the client never chose.
		{name: "commandId reused to create a restaurant whose id it derives", code: graph.CodeCommandIDReused, query: createRestaurant,
			vars: map[string]any{"in": map[string]any{"name": "Another", "menu": menu("pizza"), "commandId": "mk-derived"}}},
		{name: "commandId reused to place an order whose id it derives", code: graph.CodeCommandIDReused, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "r2", "menuItemIds": []string{"pasta"}, "commandId": "po-derived"}}},
		{name: "commandId reused for an order of items not on the menu (a later rule)", code: graph.CodeCommandIDReused, query: placeOrder,
			vars: map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"nope"}, "commandId": "prep-o1"}}},
		// Input is checked before the wait: a malformed cursor is not answered by a timeout.
		{name: "a malformed orders cursor with minPosition beyond the head", code: graph.CodeBadUserInput,
			query: `{ orders(after: "bm90IGEgY3Vyc29y", minPosition: 1000000) { totalCount } }`},
		{name: "a malformed restaurants cursor with minPosition beyond the head", code: graph.CodeBadUserInput,
			query: `{ restaurants(after: "x", minPosition: 1000000) { totalCount } }`},
		{name: "minPosition beyond the head", code: graph.CodeConsistencyTimeout, query: `{ restaurant(id: "r1", minPosition: 1000000) { id } }`},
		{name: "syntax error", code: "GRAPHQL_PARSE_FAILED", query: `{ status { head }`},
		{name: "unknown field", code: "GRAPHQL_VALIDATION_FAILED", query: `{ status { tail } }`},
		{name: "unknown enum value", code: "GRAPHQL_VALIDATION_FAILED", query: `{ orders(status: EATEN) { totalCount } }`},
		{name: "missing required argument", code: "GRAPHQL_VALIDATION_FAILED", query: `{ restaurant { id } }`},
		{name: "500 aliased restaurants lists", code: "COMPLEXITY_LIMIT_EXCEEDED", query: aliased(500)},
		// Literals of the custom Int64 that no int64 holds: gqlgen's argument reading panicked.
		{name: "Int64 literal beyond 64 bits", code: "GRAPHQL_VALIDATION_FAILED", query: `{ events(afterPosition: 99999999999999999999) { id } }`},
		{name: "Int64 literal 2^63", code: "GRAPHQL_VALIDATION_FAILED", query: `{ restaurant(id: "r1", minPosition: 9223372036854775808) { id } }`},
		{name: "Int64 float literal beyond float64", code: "GRAPHQL_VALIDATION_FAILED", query: `{ orders(minPosition: 1e999) { totalCount } }`},
		// A literal of a custom scalar its reader refuses, refused before anything runs.
		{name: "Int64 literal 1.5", code: "GRAPHQL_VALIDATION_FAILED", query: `{ restaurant(id: "r1", minPosition: 1.5) { id } }`},
		{name: "Int64 literal that is not digits", code: "GRAPHQL_VALIDATION_FAILED", query: `{ events(afterPosition: "five") { id } }`},
		{name: "Int64 literal true", code: "GRAPHQL_VALIDATION_FAILED", query: `{ events(afterPosition: true) { id } }`},
		{name: "Int64 literal as a variable's default", code: "GRAPHQL_VALIDATION_FAILED", query: `query($p: Int64 = -99999999999999999999) { events(afterPosition: $p) { id } }`},
		{name: "several operations and no operationName", code: "GRAPHQL_VALIDATION_FAILED", query: `query A { status { head } } query B { status { head } }`,
			assert: func(t *testing.T, ext map[string]any, msg string) {
				if !strings.Contains(msg, "operationName") {
					t.Fatalf("message %q does not say to name the operation", msg)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is "+tt.code, func(t *testing.T) {
			before := e.head(t)
			err := e.wantCode(t, tt.code, tt.query, tt.vars)
			if err.Message == "" || strings.Contains(err.Message, "eventsourcing:") || strings.Contains(err.Message, "store:") {
				t.Errorf("message %q is empty or leaks internals", err.Message)
			}
			if tt.assert != nil {
				tt.assert(t, err.Extensions, err.Message)
			}
			if after := e.head(t); after != before {
				t.Fatalf("a rejected operation wrote: head %d → %d", before, after)
			}
		})
	}

	// Lists count their selection once per item they may hold: the default page of 20
	// restaurants with their whole menus (up to 10,000 items) fits the default limit, as do
	// a page of 20 orders with their items and a page of 100 events.
	t.Run("normal queries stay under the complexity limit", func(t *testing.T) {
		for _, q := range []string{
			`{ restaurants { nodes { ` + restaurantFields + ` } pageInfo { hasNextPage endCursor } totalCount } }`,
			`{ orders(first: 20) { nodes { ` + orderFields + ` } pageInfo { hasNextPage endCursor } totalCount } }`,
			`{ events(first: 100) { id position streamId version type time data metadata } }`,
			`{ status { head projections { name position kind failures retries stopped } } }`,
			`{ restaurant(id: "r1") { ` + restaurantFields + ` } order(id: "o1") { ` + orderFields + ` } }`,
		} {
			e.must(t, q, nil, nil)
		}
	})
}

// aliased returns a query with n aliased restaurants lists down to the menu items.
func aliased(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " r%d: restaurants { nodes { menu { menuItems { name } } } }", i)
	}
	b.WriteString(" }")
	return b.String()
}

func TestErrors_InternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`mutation { createRestaurant(input: {id: "r1", name: "n", menu: {cuisine: GENERAL, menuItems: [{menuItemId: "a", name: "a", price: "1"}]}}) { id } }`,
		`{ events { id } }`,
		`{ status { head } }`,
	} {
		err := e.wantCode(t, graph.CodeInternal, q, nil)
		if err.Message != "internal server error" {
			t.Fatalf("message %q", err.Message)
		}
	}
}

// manyTypes returns n event type names.
func manyTypes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("T", i)
	}
	return out
}

// withCuisine sets the cuisine of a restaurant input's menu.
func withCuisine(in map[string]any, cuisine string) map[string]any {
	in["menu"].(map[string]any)["cuisine"] = cuisine
	return in
}

// field returns an assertion that an error names the field path, in extensions.field and in
// its message: the argument's path as the client wrote it (a mutation's inside its input).
func field(path string) func(t *testing.T, ext map[string]any, msg string) {
	return func(t *testing.T, ext map[string]any, msg string) {
		t.Helper()
		if ext["field"] != path || !strings.Contains(msg, path) {
			t.Fatalf("message %q, extensions %v; want field %s", msg, ext, path)
		}
	}
}

// panickingReads is a store whose reads of the log after position 424,000 panic.
type panickingReads struct{ store.Store }

func (s panickingReads) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	if after >= 424_000 {
		panic("boom: a bug in the store")
	}
	return s.Store.ReadAll(ctx, after)
}

// TestHandler_panicInAResolver: a resolver's panic is answered INTERNAL_SERVER_ERROR with
// none of the panic's text, on the field that panicked, the first time a query is sent and
// each time after, once its document is cached (and the operation's context built by
// cachedOperations with the recover function learnt from gqlgen's executor).
func TestHandler_panicInAResolver(t *testing.T) {
	e := newEnv(t, withStore(func(s store.Store) store.Store { return panickingReads{s} }))
	for i := range 3 {
		r := e.do(t, `query($p: Int64) { events(afterPosition: $p) { id } }`, map[string]any{"p": 424_242})
		if len(r.Errors) != 1 || r.Code() != graph.CodeInternal || r.Errors[0].Message != "internal server error" ||
			fmt.Sprint(r.Errors[0].Path) != "[events]" {
			t.Fatalf("request %d: errors %+v, want one INTERNAL_SERVER_ERROR at events", i+1, r.Errors)
		}
		if strings.Contains(string(r.Data)+fmt.Sprint(r.Errors), "boom") {
			t.Fatalf("request %d: the panic's text reached the client: %s %+v", i+1, r.Data, r.Errors)
		}
	}
}
