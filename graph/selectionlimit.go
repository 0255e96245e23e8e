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
	var c fieldCounter
	if got := c.widest(op.Operation.SelectionSet); got > maxSelectionFields {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("a selection set gathers more than %d fields (aliases and fragments included): split the operation", maxSelectionFields),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded, "limit": maxSelectionFields},
		}
	}
	return nil
}

// fieldCounter finds the most fields gqlgen gathers into one selection set of an operation,
// as gqlgen gathers them: a set's own fields, its inline fragments' and, once each, the
// fragments it spreads. It stops counting past maxSelectionFields. gqlgen also merges the
// selections of the fields of one response name; those are counted apart, since the overlap
// rule (boundedOverlaps) already refuses a merge that large: it compares every two such
// fields' selections, over a million comparisons for 2,000 fields.
//
// What lies below a fragment's fields is counted once per fragment, wherever it is spread:
// counted again at each spread, fragments spreading fragments under many fields took time
// exponential in their nesting (120 aliases on four levels, 11 KB, took 14 s; found by a
// review). It allocates only for operations that spread fragments: every request's
// operation is counted.
type fieldCounter struct {
	below map[string]int // a fragment's deepest (see deepest), once worked out
	steps int            // selections looked at, for the tests
}

// widest returns the most fields set, or a set below it, gathers.
func (c *fieldCounter) widest(set ast.SelectionSet) int {
	var seen map[string]bool
	n := c.gathered(set, &seen, 0)
	if n > maxSelectionFields {
		return n
	}
	return max(n, c.deepest(set))
}

// gathered returns n plus the fields set gathers at its own level, counting each fragment
// once (seen holds those counted, made when first needed).
func (c *fieldCounter) gathered(set ast.SelectionSet, seen *map[string]bool, n int) int {
	for _, sel := range set {
		if n > maxSelectionFields {
			break
		}
		c.steps++
		switch s := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n = c.gathered(s.SelectionSet, seen, n)
		case *ast.FragmentSpread:
			if s.Definition == nil || (*seen)[s.Name] {
				continue
			}
			if *seen == nil {
				*seen = map[string]bool{}
			}
			(*seen)[s.Name] = true
			n = c.gathered(s.Definition.SelectionSet, seen, n)
		}
	}
	return n
}

// deepest returns the most fields a set below set's fields gathers, through its inline
// fragments and the fragments it spreads.
func (c *fieldCounter) deepest(set ast.SelectionSet) int {
	most := 0
	for _, sel := range set {
		if most > maxSelectionFields {
			break
		}
		c.steps++
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) > 0 {
				most = max(most, c.widest(s.SelectionSet))
			}
		case *ast.InlineFragment:
			most = max(most, c.deepest(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			d, ok := c.below[s.Name]
			if !ok {
				if c.below == nil {
					c.below = map[string]int{}
				}
				c.below[s.Name] = 0 // a cycle, which validation refuses, ends here
				d = c.deepest(s.Definition.SelectionSet)
				c.below[s.Name] = d
			}
			most = max(most, d)
		}
	}
	return most
}
