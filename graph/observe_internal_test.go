package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// TestFirstField: the first field is found behind fragments however deep they nest, and a
// walk through fragments that spread each other (validation refuses them, but describe
// also sees documents that failed it) ends, with the first field past the cycle.
func TestFirstField(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `subscription { ...A }
		fragment A on Subscription { ...B }
		fragment B on Subscription { ...A ... on Subscription { ...A } events { position } }`})
	if err != nil {
		t.Fatal(err)
	}
	// The parser leaves spreads unlinked; validation links them, and would refuse the cycle.
	var link func(ast.SelectionSet)
	link = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.FragmentSpread:
				sel.Definition = doc.Fragments.ForName(sel.Name)
			case *ast.InlineFragment:
				link(sel.SelectionSet)
			}
		}
	}
	for _, f := range doc.Fragments {
		link(f.SelectionSet)
	}
	link(doc.Operations[0].SelectionSet)
	if got := firstField(doc.Operations[0].SelectionSet, map[*ast.FragmentDefinition]bool{}); got != "events" {
		t.Errorf("firstField = %q, want events", got)
	}
}
