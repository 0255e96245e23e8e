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
	if got := widestSelection(op.Operation.SelectionSet); got > maxSelectionFields {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("a selection set gathers more than %d fields (aliases and fragments included): split the operation", maxSelectionFields),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded, "limit": maxSelectionFields},
		}
	}
	return nil
}

// widestSelection returns the most fields gqlgen gathers into one selection set, in set
// and below it, as gqlgen gathers them: a set's own fields, its inline fragments' and,
// once each, the fragments it spreads. It stops counting past maxSelectionFields. gqlgen
// also merges the selections of the fields of one response name; those are counted apart,
// since the overlap rule (boundedOverlaps) already refuses a merge that large: it compares
// every two such fields' selections, over a million comparisons for 2,000 fields.
func widestSelection(set ast.SelectionSet) int {
	var g gathering
	g.gather(set)
	return max(g.fields, g.widest)
}

// gathering counts the fields of one selection set as gqlgen gathers them, and the widest
// set below them. It allocates only for a set that spreads fragments: every request's
// operation is counted.
type gathering struct {
	fields int
	widest int             // the most fields a set below gathers
	spread map[string]bool // the fragments gathered already
}

func (g *gathering) gather(set ast.SelectionSet) {
	for _, sel := range set {
		if g.fields > maxSelectionFields || g.widest > maxSelectionFields {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			g.fields++
			if len(s.SelectionSet) > 0 {
				g.widest = max(g.widest, widestSelection(s.SelectionSet))
			}
		case *ast.InlineFragment:
			g.gather(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition == nil || g.spread[s.Name] {
				continue
			}
			if g.spread == nil {
				g.spread = map[string]bool{}
			}
			g.spread[s.Name] = true
			g.gather(s.Definition.SelectionSet)
		}
	}
}
