package main

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// documentedExtensions returns the README's table of the extensions each error code carries
// besides code (under "Errors a client handles"): a code it does not list carries none.
func documentedExtensions(tb testing.TB) map[string][]string {
	tb.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		tb.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "**Errors a client handles.**")
	if start < 0 {
		tb.Fatal("README: no paragraph Errors a client handles")
	}
	row := regexp.MustCompile("^\\| `([A-Z_]+)` \\| ([^|]*) \\|")
	name := regexp.MustCompile("`([A-Za-z]+)`")
	doc := map[string][]string{}
	for _, line := range strings.Split(text[start:], "\n")[1:] {
		if strings.HasPrefix(line, "|") {
			if m := row.FindStringSubmatch(line); m != nil {
				for _, n := range name.FindAllStringSubmatch(m[2], -1) {
					doc[m[1]] = append(doc[m[1]], n[1])
				}
				sort.Strings(doc[m[1]])
			}
		} else if len(doc) > 0 {
			break
		}
	}
	if len(doc) == 0 {
		tb.Fatal("README: no table of error extensions after Errors a client handles")
	}
	return doc
}

// TestErrorExtensions_asDocumented provokes the errors a client handles and holds the
// extensions each carries besides code to the README's table: a client reads
// actualVersion after a VERSION_CONFLICT, missingMenuItemIds, field, which the README did
// not name.
func TestErrorExtensions_asDocumented(t *testing.T) {
	const token = "extensions-test-token-0123456789"
	m, _ := startMain(t, "--store", "memory", "--auth-tokens", token, "--max-depth", "4",
		"--complexity-limit", "100", "--max-body-bytes", "65536", "--consistency-timeout", "50ms")
	c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)), graphtest.WithHeader("Authorization", "Bearer "+token))
	anonymous := newClient(t, m.URL()+"/graphql")
	ctx := testCtx(t)
	doc := documentedExtensions(t)

	create := `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id position } }`
	gql(t, c, create, map[string]any{"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")}})
	placed := decode[struct{ PlaceOrder result }](t, gql(t, c, placeOrder, map[string]any{
		"in": map[string]any{"restaurantId": "r1", "orderId": "o1", "menuItemIds": []string{"pasta"}},
	})).PlaceOrder
	gql(t, c, `query($p: Int64) { order(id: "o1", minPosition: $p) { id } }`, map[string]any{"p": placed.Position})
	gql(t, c, `mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`, nil)
	changeMenu := `mutation($in: ChangeRestaurantMenuInput!) { changeRestaurantMenu(input: $in) { id } }`
	aliases := make([]string, 2001)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("a%d: __typename", i)
	}

	cases := []struct {
		code   string
		client *graphtest.Client
		query  string
		vars   map[string]any
	}{
		{"BAD_USER_INPUT", c, create, map[string]any{"in": map[string]any{"name": " ", "menu": menu("pasta")}}},
		{"BAD_USER_INPUT", c, `query($x: String) { status { head } }`, map[string]any{"x": strings.Repeat("x", 70000)}},
		{"NOT_FOUND", c, changeMenu, map[string]any{"in": map[string]any{"id": "nowhere", "menu": menu("pasta")}}},
		{"ALREADY_EXISTS", c, create, map[string]any{"in": map[string]any{"id": "r1", "name": "Again", "menu": menu("pasta")}}},
		{"MENU_ITEMS_NOT_AVAILABLE", c, placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "menuItemIds": []string{"soup"}}}},
		{"VERSION_CONFLICT", c, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "expectedVersion": 1, "menu": menu("pasta")}}},
		{"ORDER_ALREADY_PREPARED", c, `mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`, nil},
		{"COMMAND_ID_REUSED", c, `mutation { markOrderAsPrepared(input: {id: "o1", commandId: "c1"}) { id } }`, nil},
		{"CONSISTENCY_TIMEOUT", c, `{ restaurant(id: "r1", minPosition: 1000000) { id } }`, nil},
		{"DEPTH_LIMIT_EXCEEDED", c, `{ restaurants { nodes { menu { menuItems { name } } } } }`, nil},
		{"COMPLEXITY_LIMIT_EXCEEDED", c, `{ restaurants(first: 100) { nodes { id name } } }`, nil},
		{"COMPLEXITY_LIMIT_EXCEEDED", c, "{ " + strings.Join(aliases, " ") + " }", nil},
		{"UNAUTHENTICATED", anonymous, `mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`, nil},
	}
	// COMMAND_ID_REUSED needs c1 used first, with another command.
	gql(t, c, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "commandId": "c1", "menu": menu("pasta")}})

	seen := map[string][]string{}
	for _, tc := range cases {
		resp, err := tc.client.Query(ctx, tc.query, tc.vars)
		if err != nil {
			t.Fatalf("%s: %v", tc.code, err)
		}
		if resp.Code() != tc.code {
			t.Errorf("got %v, want %s", resp.Errors, tc.code)
			continue
		}
		for k := range resp.Errors[0].Extensions {
			if k == "code" {
				continue
			}
			if !slices.Contains(doc[tc.code], k) {
				t.Errorf("%s carries extensions.%s, which the README's table does not list for it", tc.code, k)
			}
			if !slices.Contains(seen[tc.code], k) {
				seen[tc.code] = append(seen[tc.code], k)
			}
		}
	}
	for _, tc := range cases {
		sort.Strings(seen[tc.code])
		if want := doc[tc.code]; !slices.Equal(seen[tc.code], want) {
			t.Errorf("%s: the README lists %v, the errors provoked carry %v", tc.code, want, seen[tc.code])
		}
	}
}
