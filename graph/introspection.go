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

// introspectionLimit is the gqlgen extension that bounds, before execution, what an
// operation's introspection may make the server write. gqlgen's complexity limit does not
// count __schema and what is under it at all, and depthLimit leaves introspection out, so
// 10,000 aliases of __schema made a response of 54 MB, and 1,000 aliases of types inside one
// __schema 13 MB. An operation may hold maxIntrospectionFields introspection fields, with no
// alias inside them; anything more is COMPLEXITY_LIMIT_EXCEEDED. (How deep introspection's
// lists nest, the other way to grow its response, is bounded by the validation gqlparser
// shares with graphql-js: "Maximum introspection depth exceeded".)
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
	seen := map[string]bool{}
	for _, f := range fields {
		if a := aliasIn(f.SelectionSet, seen); a != nil {
			return &gqlerror.Error{
				Message:    fmt.Sprintf("introspection takes no aliases (%s: %s): each of its fields may be asked for once", a.Alias, a.Name),
				Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
				Locations:  []gqlerror.Location{{Line: a.Position.Line, Column: a.Position.Column}},
			}
		}
	}
	return nil
}

// aliasIn returns a field of set (through fragments) under an alias, or nil. Inside
// introspection an alias is what multiplies a response: without aliases each field is asked
// for once, so an answer is bounded by the schema (and by how deep gqlparser lets its lists
// nest), while __schema { a0: types { … } a1: types { … } … } repeats the whole schema once
// an alias. seen holds the fragments already searched.
func aliasIn(set ast.SelectionSet, seen map[string]bool) *ast.Field {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				return s
			}
			if a := aliasIn(s.SelectionSet, seen); a != nil {
				return a
			}
		case *ast.InlineFragment:
			if a := aliasIn(s.SelectionSet, seen); a != nil {
				return a
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if a := aliasIn(s.Definition.SelectionSet, seen); a != nil {
					return a
				}
			}
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
