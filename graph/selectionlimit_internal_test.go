package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/generated"
	"github.com/vektah/gqlparser/v2"
)

// fanDocument returns an operation of k aliases a level, each spreading the next level's
// fragment, four levels deep (found by a review: counted again at each spread, its
// selection sets took k⁴ steps, 14 s for k = 120).
func fanDocument(k int) string {
	var b strings.Builder
	level := func(head, field, next string) {
		b.WriteString(head + " {")
		for i := range k {
			fmt.Fprintf(&b, " a%d: %s { ...%s }", i, field, next)
		}
		b.WriteString(" }")
	}
	level("query", "restaurants", "C")
	level(" fragment C on RestaurantConnection", "nodes", "R")
	level(" fragment R on Restaurant", "menu", "M")
	b.WriteString(" fragment M on RestaurantMenu {")
	for i := range k {
		fmt.Fprintf(&b, " a%d: menuItems { name }", i)
	}
	b.WriteString(" }")
	return b.String()
}

// TestFieldCounter_fragmentsCountedOnce: what lies below a fragment is counted once, so the
// work grows with the document (each set counts the fields it gathers), not with the number
// of paths through its fragments.
func TestFieldCounter_fragmentsCountedOnce(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, k := range []int{10, 120} {
		// Loaded against the schema, as validation resolves the fragment spreads.
		doc, errs := gqlparser.LoadQuery(schema, fanDocument(k))
		if errs != nil {
			t.Fatal(errs)
		}
		var c fieldCounter
		if got := c.widest(doc.Operations[0].SelectionSet); got != k {
			t.Errorf("k = %d: widest %d, want %d", k, got, k)
		}
		// Each level's k sets count the k fields of the fragment they spread: k² a level.
		if limit := 4*k*k + 10*k; c.steps > limit {
			t.Errorf("k = %d: %d steps, want at most %d (k² for each of the 4 levels; k⁴ when fragments were counted at each spread)", k, c.steps, limit)
		}
	}
}
