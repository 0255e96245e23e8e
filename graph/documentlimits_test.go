package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// bodyOf returns a POST body whose query is query.
func bodyOf(tb testing.TB, query string) string {
	tb.Helper()
	b, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestDocumentLimits: a refusal lists at most 100 errors and one that counts the rest (found
// by a black-box review: 400,000 unknown fields made 400,000 validation errors, a 60 MB
// response), and a large document within the limits is still served.
func TestDocumentLimits(t *testing.T) {
	e := newEnv(t)
	t.Run("many errors", func(t *testing.T) {
		_, r := e.post(t, bodyOf(t, "{"+strings.Repeat(" x", 5_000)+"}"), nil)
		if len(r.Errors) != 101 {
			t.Fatalf("%d errors, want 101", len(r.Errors))
		}
		for i, err := range r.Errors {
			if err.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("error %d: %+v, want the code GRAPHQL_VALIDATION_FAILED", i, err)
			}
		}
		var more int
		if _, err := fmt.Sscanf(r.Errors[100].Message, "%d more errors not shown: this response holds the first 100", &more); err != nil || more < 4900 {
			t.Errorf("last error %q, want one counting the 4,900 or more left out", r.Errors[100].Message)
		}
	})
	t.Run("a document within the limits", func(t *testing.T) {
		// A menu of 500 items written inline: about 7,000 tokens.
		var items []string
		for i := range 500 {
			items = append(items, fmt.Sprintf(`{menuItemId: "m%d", name: "Dish %d", price: "1.50"}`, i, i))
		}
		query := `mutation { createRestaurant(input: {id: "big", name: "Big", menu: {cuisine: ITALIAN, menuItems: [` + strings.Join(items, ", ") + `]}}) { id } }`
		if resp, r := e.post(t, bodyOf(t, query), nil); resp.StatusCode != http.StatusOK || len(r.Errors) != 0 {
			t.Fatalf("status %d, errors %+v; want the restaurant created", resp.StatusCode, r.Errors)
		}
	})
}
