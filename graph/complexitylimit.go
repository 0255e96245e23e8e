package graph

import (
	"context"
	"errors"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// complexityLimit is gqlgen's extension.FixedComplexityLimit, with each named fragment's
// cost computed once per operation. gqlgen's complexity.Calculate walks a fragment again at
// every spread of it, so fragments that each spread the next one twice cost 2^n walks:
// sixty of them, a query of 2.4 KB that validation lets through, held a core for as long as
// the process ran (neither the request's deadline nor its client going away stops the walk),
// and a few such requests stopped the server answering. A fragment costs the same wherever
// it is spread (its fields are its own, their arguments read the operation's variables), so
// the sum, the error and the stats are those of gqlgen's extension.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &complexityLimit{}

// ExtensionName is gqlgen's, so that extension.GetComplexityStats reads the stats.
func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	if es == nil {
		return errors.New("complexity limit: no executable schema")
	}
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	w := costWalker{ctx: ctx, es: c.es, schema: c.es.Schema(), vars: op.Variables} // fragments made at the first
	cost := w.selectionSet(op.Operation.SelectionSet)
	op.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: cost, ComplexityLimit: c.limit})
	if cost <= c.limit {
		return nil
	}
	// A list's cost is its page size (first) times its nodes' fields: say what lowers it.
	err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d: ask for smaller pages (first or last) or fewer fields in each node", cost, c.limit)
	errcode.Set(err, CodeComplexityLimitExceeded)
	// In numbers too, so that a client can shrink its pages to fit without parsing the message.
	err.Extensions["complexity"], err.Extensions["limit"] = cost, c.limit
	return err
}

// costWalker sums an operation's cost as gqlgen's complexity walker does (the schema's
// complexity functions, or 1 plus the selection's cost; nothing for __schema), and keeps
// each named fragment's cost in fragments.
type costWalker struct {
	ctx       context.Context
	es        graphql.ExecutableSchema
	schema    *ast.Schema
	vars      map[string]any
	fragments map[string]int
}

func (w *costWalker) selectionSet(set ast.SelectionSet) int {
	cost := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			cost = addCost(cost, w.field(s))
		case *ast.InlineFragment:
			cost = addCost(cost, w.selectionSet(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			fragment, ok := w.fragments[s.Name]
			if !ok {
				if w.fragments == nil {
					w.fragments = map[string]int{}
				}
				w.fragments[s.Name] = 0 // guards against a cycle validation missed
				fragment = w.selectionSet(s.Definition.SelectionSet)
				w.fragments[s.Name] = fragment
			}
			cost = addCost(cost, fragment)
		}
	}
	return cost
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 0
	}
	typ := w.schema.Types[f.Definition.Type.Name()]
	if typ == nil || typ.Name == "__Schema" {
		return 0 // introspection is bounded by introspectionLimit
	}
	child := 0
	switch typ.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = w.selectionSet(f.SelectionSet)
	}
	var args map[string]any
	if f.ObjectDefinition.Kind == ast.Interface || costReadsArguments(f.ObjectDefinition.Name, f.Name) {
		args = f.ArgumentMap(w.vars)
	}
	if f.ObjectDefinition.Kind != ast.Interface {
		return addCost(w.fieldCost(f.ObjectDefinition, typ.Kind, f.Name, child, args), waitsCost(f))
	}
	// An interface's field costs what it costs on the dearest of its types.
	dearest := 0
	for _, t := range w.schema.GetPossibleTypes(f.ObjectDefinition) {
		dearest = max(dearest, w.fieldCost(t, typ.Kind, f.Name, child, args))
	}
	return dearest
}

func (w *costWalker) fieldCost(object *ast.Definition, kind ast.DefinitionKind, field string, child int, args map[string]any) int {
	if cost, ok := w.es.Complexity(w.ctx, object.Name, field, child, args); ok && cost >= 1 {
		return cost
	}
	return addCost(1, child)
}

// waitCost is what a field's minPosition costs beyond the field: the field waits, up to the
// consistency timeout, and each field of a query resolves on a goroutine of its own while
// it waits, so that 15,000 aliases of restaurant(id, minPosition) in one 800 KB request held
// 15,000 goroutines and 120 MB for 5 s. At the default limit a query may wait in some 960
// fields.
const waitCost = 50

// waitsCost is waitCost for a field given a minPosition (a literal or a variable; a null
// one, which waits for nothing, is priced too) and for a CommandResult's restaurant and
// order, which wait for the command's position; 0 for any other.
func waitsCost(f *ast.Field) int {
	if f.Arguments.ForName("minPosition") != nil ||
		f.ObjectDefinition.Name == "CommandResult" && (f.Name == "restaurant" || f.Name == "order") {
		return waitCost
	}
	return 0
}

// addCost is gqlgen's sum of costs: it ignores a negative operand and saturates at
// math.MaxInt rather than overflow into a cost below the limit.
func addCost(a, b int) int {
	switch {
	case a < 0 && b < 0:
		return 1
	case a < 0:
		return b
	case b < 0:
		return a
	case a > math.MaxInt-b:
		return math.MaxInt
	}
	return a + b
}
