package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// maxSelectionFields bounds the fields gqlgen gathers into one selection set: its own,
// those of its inline fragments and those of the fragments it spreads. gqlgen gathers them
// comparing each with those gathered before it (graphql.CollectFields), so the work grows
// with the square of their number: 49,900 aliases of __typename, each priced 1 and so within
// the complexity limit, held a core for 13 s (found by a black-box review). 2,000 take a few
// milliseconds; a client's selection set holds tens.
const maxSelectionFields = 2000

// selectionLimit is the gqlgen extension that refuses, after validation and before
// execution, an operation one of whose selection sets gathers more than maxSelectionFields
// fields (COMPLEXITY_LIMIT_EXCEEDED).
type selectionLimit struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = selectionLimit{}

func (selectionLimit) ExtensionName() string                   { return "SelectionLimit" }
func (selectionLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (selectionLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	if got := widestSelection([]ast.SelectionSet{op.Operation.SelectionSet}); got > maxSelectionFields {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("a selection set gathers more than %d fields (aliases and fragments included): split the operation", maxSelectionFields),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded, "limit": maxSelectionFields},
		}
	}
	return nil
}

// widestSelection returns the most fields gqlgen gathers into one selection set, in sets
// and below them, as gqlgen gathers them: a set's own fields, its inline fragments' and,
// once each, the fragments it spreads. It stops counting past maxSelectionFields. gqlgen
// also merges the selections of the fields of one response name; those are counted apart,
// since the overlap rule (boundedOverlaps) already refuses a merge that large: it compares
// every two such fields' selections, over a million comparisons for 2,000 fields.
func widestSelection(sets []ast.SelectionSet) int {
	var fields []*ast.Field
	spread := map[string]bool{}
	var gather func(ast.SelectionSet)
	gather = func(set ast.SelectionSet) {
		for _, sel := range set {
			if len(fields) > maxSelectionFields {
				return
			}
			switch s := sel.(type) {
			case *ast.Field:
				fields = append(fields, s)
			case *ast.InlineFragment:
				gather(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil && !spread[s.Name] {
					spread[s.Name] = true
					gather(s.Definition.SelectionSet)
				}
			}
		}
	}
	for _, set := range sets {
		gather(set)
	}
	most := len(fields)
	for _, f := range fields {
		if most > maxSelectionFields {
			break
		}
		if len(f.SelectionSet) > 0 {
			most = max(most, widestSelection([]ast.SelectionSet{f.SelectionSet}))
		}
	}
	return most
}
