package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// TestVariables_readBeforeRunning: a variable that its argument's reader refuses fails the
// request before anything runs, as GraphQL's variable coercion asks: BAD_USER_INPUT naming
// where (extensions.field), no data entry, and 400 to a client that prefers
// application/graphql-response+json. Read only when their field ran, such variables had been
// that field's error, with data beside it, answered 200.
func TestVariables_readBeforeRunning(t *testing.T) {
	e := newEnv(t)
	create := `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`
	tests := []struct {
		name, body, field string
		message           string // what the message says, besides the field
	}{
		{"a price sent as a number", `{"query": "` + create + `", "variables": {"in": {"name": "x", "menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "a", "name": "a", "price": 9.5}]}}}}`,
			"in.menu.menuItems[0].price", ""},
		{"a cuisine in lower case", `{"query": "` + create + `", "variables": {"in": {"name": "x", "menu": {"cuisine": "italian", "menuItems": [{"menuItemId": "a", "name": "a", "price": "9.50"}]}}}}`,
			"in.menu.cuisine", ""},
		{"an id of 1.5", `{"query": "query($id: ID!) { order(id: $id) { id } }", "variables": {"id": 1.5}}`, "id", ""},
		{"an Int beyond 32 bits", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": 1099511627776}}`, "n", ""},
		{"an Int64 that is not a number", `{"query": "query($p: Int64) { events(afterPosition: $p) { id } }", "variables": {"p": "twelve"}}`, "p", ""},
		{"a String in a list", `{"query": "query($t: [String!]) { events(types: $t) { id } }", "variables": {"t": ["A", 5]}}`, "t[1]", ""},
		{"an Int64 sent as a boolean", `{"query": "query($p: Int64) { events(afterPosition: $p) { id } }", "variables": {"p": true}}`, "p", "not a boolean"},
		{"an Int64 of 1.5", `{"query": "query($p: Int64) { events(afterPosition: $p) { id } }", "variables": {"p": 1.5}}`, "p", "not the number 1.5"},
		{"an ID list's item of 1.5", `{"query": "mutation($ids: [ID!]!) { placeOrder(input: {restaurantId: \"r1\", menuItemIds: $ids}) { id } }", "variables": {"ids": ["a", 1.5]}}`, "ids[1]", "not the number 1.5"},
		// Refused by gqlparser's coercion, before the extension: the same code and field.
		{"an Int of 1.5", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": 1.5}}`, "n", "an integer from"},
		{"an Int beyond 64 bits", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": 1e20}}`, "n", "an integer from"},
		{"an Int sent as a boolean", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": true}}`, "n", "not a boolean"},
		{"an Int of 1.5 in an input object", `{"query": "mutation($in: MarkOrderAsPreparedInput!) { markOrderAsPrepared(input: $in) { id } }", "variables": {"in": {"id": "o1", "expectedVersion": 1.5}}}`,
			"in.expectedVersion", "an integer from"},
		{"an Int of 1.0", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": 1.0}}`, "n", "without a fraction or an exponent"},
		{"an input object sent as a number", `{"query": "` + create + `", "variables": {"in": 5}}`, "in", "must be a CreateRestaurantInput"},
		{"a required variable left out", `{"query": "query($n: Int!) { restaurants(first: $n) { totalCount } }", "variables": {}}`, "n", "must be given"},
		{"a required variable sent as null", `{"query": "query($n: Int!) { restaurants(first: $n) { totalCount } }", "variables": {"n": null}}`, "n", "cannot be null"},
		{"an input field the type does not have", `{"query": "` + create + `", "variables": {"in": {"name": "x", "bogus": 1, "menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "a", "name": "a", "price": "9.50"}]}}}}`,
			"in.bogus", "unknown field"},
		{"a required input field left out", `{"query": "` + create + `", "variables": {"in": {"name": "x", "menu": {"cuisine": "ITALIAN", "menuItems": [{"name": "a", "price": "9.50"}]}}}}`,
			"in.menu.menuItems[0].menuItemId", "must be given"},
		{"an input object sent as a list", `{"query": "` + create + `", "variables": {"in": [1]}}`, "in", "not a list"},
		{"an enum sent as a number", `{"query": "query($s: OrderStatus) { orders(status: $s) { totalCount } }", "variables": {"s": 7}}`, "s", "OrderStatus"},
		{"an enum sent as a boolean", `{"query": "query($s: OrderStatus) { orders(status: $s) { totalCount } }", "variables": {"s": true}}`, "s", "names one of the enum's values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.head(t)
			resp, raw := e.postRaw(t, tt.body, map[string]string{"Accept": "application/graphql-response+json"})
			var r graphtest.Response
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatalf("status %d, body %s: %v", resp.StatusCode, raw, err)
			}
			if resp.StatusCode != http.StatusBadRequest || bytes.Contains(raw, []byte(`"data"`)) || r.Code() != graph.CodeBadUserInput || r.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("status %d, body %s; want 400, BAD_USER_INPUT for field %s, no data", resp.StatusCode, raw, tt.field)
			}
			if msg := r.Errors[0].Message; !strings.HasPrefix(msg, "variable $"+tt.field+": ") || !strings.Contains(msg, tt.message) {
				t.Fatalf("message %q: want it to name $%s and say %q", msg, tt.field, tt.message)
			}
			if after := e.head(t); after != before {
				t.Fatalf("a refused request wrote: head %d → %d", before, after)
			}
		})
	}
}

// Over graphql-transport-ws, a variable refused by gqlparser (an Int of 1.5) and one refused
// by the endpoint's own check (an Int of 2^40) reach the client alike: an error message with
// BAD_USER_INPUT. The second came as a next with errors, then complete.
func TestVariables_refusalsAlikeOverWebSocket(t *testing.T) {
	e := newEnv(t)
	shape := func(n any) string {
		conn, _, err := websocket.Dial(testContext(t), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		ctx := testContext(t)
		_ = wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"})
		var ack map[string]any
		if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
			t.Fatalf("ack %v %v", ack, err)
		}
		_ = wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
			"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": map[string]any{"n": n}}})
		var types []string
		for {
			var msg map[string]json.RawMessage
			if err := wsjson.Read(ctx, conn, &msg); err != nil {
				break
			}
			var typ string
			_ = json.Unmarshal(msg["type"], &typ)
			if typ == "ping" || typ == "pong" {
				continue
			}
			types = append(types, typ+" "+string(msg["payload"]))
			if typ == "complete" || typ == "error" {
				break
			}
		}
		return strings.Join(types, " / ")
	}
	for _, n := range []any{1.5, int64(1 << 40)} {
		if got := shape(n); !strings.HasPrefix(got, "error ") || !strings.Contains(got, `"BAD_USER_INPUT"`) || strings.Contains(got, " / ") {
			t.Errorf("an Int of %v: %s; want one error message with BAD_USER_INPUT", n, got)
		}
	}
}

// A single value stands for a list of one, as GraphQL's input coercion asks: gqlparser makes
// it a list of its own type, which the endpoint's own check refused ("must be a string, not
// []string").
func TestVariables_singleValueForAList(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	var placed struct{ PlaceOrder result }
	e.must(t, `mutation($ids: [ID!]!) { placeOrder(input: {restaurantId: "r1", menuItemIds: $ids}) { id position } }`, map[string]any{"ids": "a"}, &placed)
	var out struct{ Events []struct{ Type string } }
	e.must(t, `query($t: [String!]) { events(types: $t) { type } }`, map[string]any{"t": "RestaurantCreated"}, &out)
	if len(out.Events) != 1 || out.Events[0].Type != "RestaurantCreated" {
		t.Fatalf("events of a single type given as a list of one: %+v", out.Events)
	}
	if r := e.do(t, `query($ids: [ID!]!) { placeOrder: __typename }`, map[string]any{"ids": true}); r.Code() == "" {
		t.Errorf("a boolean for a list of IDs: %s, want a refusal", r.Data)
	}
}
