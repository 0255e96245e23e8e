package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/eventgraph/eventgraph/graph/generated"
)

func TestSelectionDepth(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	// chain returns a query whose fragments F0..Fn-1 each spread the next twice, ending in
	// a field: walked naively, it costs 2^n visits.
	chain := func(n int) string {
		var b strings.Builder
		b.WriteString("query { status { ...F0 } }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment F%d on Status { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "fragment F%d on Status { head projections { name } }\n", n)
		return b.String()
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"one field", `{ status { head } }`, 2},
		{"the deepest list path", `{ restaurants { nodes { menu { menuItems { name } } } } }`, 5},
		{"the deepest branch counts", `{ status { head projections { name } } }`, 3},
		{"__typename is a field", `{ __typename }`, 1},
		{"introspection is not counted", `{ __schema { types { fields { type { ofType { name } } } } } status { head } }`, 2},
		{"inline fragments add no depth", `{ restaurants { ... on RestaurantConnection { nodes { id } } } }`, 3},
		{"fragments count as their fields", `query { restaurants { ...P } } fragment P on RestaurantConnection { nodes { menu { cuisine } } }`, 4},
		{"fragments spread many times are walked once each", chain(40), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if got := selectionDepth(doc.Operations[0].SelectionSet, map[string]int{}); got != tt.want {
				t.Errorf("depth %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("introspection is found through fragments spread many times", func(t *testing.T) {
		q := strings.Replace(chain(40), "fragment F40 on Status { head projections { name } }", "fragment F40 on Status { head }", 1)
		q = strings.Replace(q, "query { status { ...F0 } }", "query { status { ...F0 } ...I } fragment I on Query { __type(name: \"Query\") { name } }", 1)
		doc, err := gqlparser.LoadQueryWithRules(schema, q, nil)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if !asksIntrospection(doc.Operations[0].SelectionSet, map[string]bool{}) {
			t.Error("not found")
		}
	})
}
