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
	aliases := func(from, n int, field string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, " a%d: %s", from+i, field)
		}
		return b.String()
	}
	t.Run("too many tokens", func(t *testing.T) {
		for name, query := range map[string]string{
			"unknown fields": "{" + strings.Repeat(" x", 400_000) + "}",
			"aliases":        "{" + aliases(0, 49_900, "__typename") + "}",
			"arguments":      "{ status(" + strings.Repeat("a: 1 ", 20_000) + ") { head } }",
		} {
			resp, body := e.postRaw(t, bodyOf(t, query), nil)
			if len(body) > 1000 || !strings.Contains(string(body), "the document holds more than 50000 tokens") || !strings.Contains(string(body), `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) {
				t.Errorf("%s: status %d, %d bytes: %.300s; want one short COMPLEXITY_LIMIT_EXCEEDED naming the token limit", name, resp.StatusCode, len(body), body)
			}
		}
	})
	// gqlgen gathers a selection set's fields comparing each with those before it: 49,900
	// aliases (within the complexity limit) held a core for 13 s. A set may gather 2,000.
	t.Run("too many fields in one selection set", func(t *testing.T) {
		for name, query := range map[string]string{
			"aliases":                        "{" + aliases(0, 2001, "__typename") + "}",
			"aliases under a field":          "{ status {" + aliases(0, 2001, "head") + " } }",
			"fragments and inline fragments": "{ ...F ... on Query {" + aliases(1000, 1001, "__typename") + " } } fragment F on Query {" + aliases(0, 1000, "__typename") + " }",
		} {
			r := e.do(t, query, nil)
			if r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(r.Errors[0].Message, "gathers more than 2000 fields") {
				t.Errorf("%s: %.300v; want COMPLEXITY_LIMIT_EXCEEDED for the fields of one set", name, r.Errors)
			}
		}
		for name, query := range map[string]string{
			"2,000 aliases":                          "{" + aliases(0, 2000, "__typename") + "}",
			"a fragment spread twice, gathered once": "{ ...F ...F } fragment F on Query {" + aliases(0, 1500, "__typename") + " }",
		} {
			if r := e.do(t, query, nil); len(r.Errors) > 0 {
				t.Errorf("%s: %.300v; want it served", name, r.Errors)
			}
		}
	})
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
