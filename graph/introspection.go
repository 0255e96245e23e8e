package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeComplexityLimitExceeded refuses an operation over the complexity limit
// (Config.ComplexityLimit), or one whose introspection could make a response as large (see
// introspectionLimit).
const CodeComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"

// maxIntrospectionFields bounds the __schema and __type fields of an operation (see
// introspectionLimit): a tool asks for one, a documentation explorer for a few types.
const maxIntrospectionFields = 4

// introspectionLimit is the gqlgen extension that bounds, before execution, how many
// introspection fields an operation holds. gqlgen's complexity limit does not count __schema
// at all, and depthLimit leaves introspection out, so 10,000 aliases of __schema made a
// response of 54 MB; past maxIntrospectionFields, an operation is COMPLEXITY_LIMIT_EXCEEDED.
// (How deep introspection's lists nest, the other way to grow its response, is bounded by
// the validation gqlparser shares with graphql-js: "Maximum introspection depth exceeded".)
type introspectionLimit struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionLimit{}

func (introspectionLimit) ExtensionName() string                   { return "IntrospectionLimit" }
func (introspectionLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (introspectionLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	fields := map[string]*ast.Field{} // by response key: fields under one key merge
	introspectionFields(op.Operation.SelectionSet, fields, map[string]bool{})
	if len(fields) > maxIntrospectionFields {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("operation asks for %d introspection fields (__schema, __type), which exceeds the limit of %d", len(fields), maxIntrospectionFields),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
		}
	}
	return nil
}

// introspectionFields collects the root selections' __schema and __type fields (through
// fragments) by response key. seen holds the fragments already searched: a fragment spread
// again adds the same keys.
func introspectionFields(set ast.SelectionSet, into map[string]*ast.Field, seen map[string]bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				into[key] = s
			}
		case *ast.InlineFragment:
			introspectionFields(s.SelectionSet, into, seen)
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				introspectionFields(s.Definition.SelectionSet, into, seen)
			}
		}
	}
}
