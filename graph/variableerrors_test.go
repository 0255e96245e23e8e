package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// fields returns each error's code and field, as "CODE field".
func fields(errs []graphtest.Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprint(e.Extensions["code"], " ", e.Extensions["field"])
	}
	return out
}

// TestVariables_everyRefusalReported: a request whose variables fail in several places is
// refused with one error per variable, in the order the operation declares them, whether
// gqlparser's coercion or the endpoint's own check refuses each; one variable that fails
// twice is one error. Both checks stopped at the first, so a client met its mistakes one
// request at a time.
func TestVariables_everyRefusalReported(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	const query = `query($first: Int, $status: OrderStatus, $id: ID!, $after: Int64) {
		orders(first: $first, status: $status) { totalCount }
		order(id: $id) { id }
		events(afterPosition: $after) { id }
	}`
	tests := []struct {
		name string
		vars map[string]any
		want []string
	}{
		{"four refusals, by both checks", map[string]any{"first": 1.5, "status": "placed", "after": "twelve"},
			[]string{"BAD_USER_INPUT first", "BAD_USER_INPUT status", "BAD_USER_INPUT id", "BAD_USER_INPUT after"}},
		{"the endpoint's check only", map[string]any{"first": int64(1 << 40), "status": "placed", "id": "o1", "after": 1},
			[]string{"BAD_USER_INPUT first", "BAD_USER_INPUT status"}},
		{"one refusal", map[string]any{"id": "o1", "after": true}, []string{"BAD_USER_INPUT after"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.head(t)
			body, err := json.Marshal(map[string]any{"query": query, "variables": tt.vars})
			if err != nil {
				t.Fatal(err)
			}
			resp, r := e.post(t, string(body), map[string]string{"Accept": "application/graphql-response+json"})
			if got := fields(r.Errors); resp.StatusCode != http.StatusBadRequest || r.Data != nil || strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Fatalf("status %d, data %s, errors %v (%v); want 400, no data, %v", resp.StatusCode, r.Data, got, r.Err(), tt.want)
			}
			for _, er := range r.Errors {
				if field := er.Extensions["field"].(string); !strings.HasPrefix(er.Message, "variable $"+field+": ") {
					t.Errorf("message %q does not name $%s", er.Message, field)
				}
			}
			if after := e.head(t); after != before {
				t.Fatalf("a refused request wrote: head %d → %d", before, after)
			}
		})
	}

	t.Run("a mutation writes nothing", func(t *testing.T) {
		before := e.head(t)
		r := e.do(t, `mutation($in: PlaceOrderInput!, $v: Int) {
			placeOrder(input: $in) { id }
			markOrderAsPrepared(input: {id: "o1", expectedVersion: $v}) { id }
		}`, map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []any{"a", 2.5}}, "v": "one"})
		if got := fields(r.Errors); strings.Join(got, ", ") != "BAD_USER_INPUT in.menuItemIds[1], BAD_USER_INPUT v" {
			t.Fatalf("errors %v (%v); want in.menuItemIds[1] and v refused", got, r.Err())
		}
		if after := e.head(t); after != before {
			t.Fatalf("a refused mutation wrote: head %d → %d", before, after)
		}
	})

	t.Run("at most 50", func(t *testing.T) {
		var decl, use []string
		vars := map[string]any{}
		for i := range 60 {
			decl = append(decl, fmt.Sprintf("$v%d: Int", i))
			use = append(use, fmt.Sprintf("a%d: restaurants(first: $v%d) { totalCount }", i, i))
			vars[fmt.Sprintf("v%d", i)] = "x"
		}
		r := e.do(t, "query("+strings.Join(decl, ", ")+") { "+strings.Join(use, " ")+" }", vars)
		if got := fields(r.Errors); len(got) != 50 || got[0] != "BAD_USER_INPUT v0" || got[49] != "BAD_USER_INPUT v49" {
			t.Fatalf("%d errors %v; want the first 50 variables'", len(got), got)
		}
	})

	t.Run("over GET", func(t *testing.T) {
		v, err := json.Marshal(map[string]any{"first": "x", "after": "y", "id": "o1"})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.http.Get(e.srv.URL + "/graphql?query=" + url.QueryEscape(query) + "&variables=" + url.QueryEscape(string(v)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r graphtest.Response
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		if got := fields(r.Errors); strings.Join(got, ", ") != "BAD_USER_INPUT first, BAD_USER_INPUT after" {
			t.Fatalf("errors %v; want first and after refused", got)
		}
	})

	for _, transport := range transports {
		t.Run("a subscription over "+transport, func(t *testing.T) {
			sub := e.subscribe(t, transport, `subscription($after: Int64, $types: [String!]) { events(afterPosition: $after, types: $types) { id } }`,
				map[string]any{"after": "x", "types": []any{"A", 1.5}})
			r, err := sub.Next(testContext(t))
			if err != nil {
				t.Fatalf("next: %v", err)
			}
			if got := fields(r.Errors); strings.Join(got, ", ") != "BAD_USER_INPUT after, BAD_USER_INPUT types[1]" {
				t.Fatalf("data %s, errors %v (%v); want after and types[1] refused", r.Data, got, r.Err())
			}
		})
	}
}
