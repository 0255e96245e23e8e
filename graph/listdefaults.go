package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// listDefaults refuses, before the query is validated, a variable whose default value holds
// a list of more than maxListItems items, as variableTypes refuses such a value given for
// it. gqlparser's validation converts a variable's default at every use of the variable, so
// one long default shared by thousands of aliases cost a minute of processor time before the
// operation could be refused. Only a query long enough to hold such a list, with a default
// (an '=') in it, is parsed here; the others go straight on.
type listDefaults struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = listDefaults{}

func (listDefaults) ExtensionName() string                   { return "ListDefaults" }
func (listDefaults) Validate(graphql.ExecutableSchema) error { return nil }

func (listDefaults) MutateOperationParameters(_ context.Context, raw *graphql.RawParams) *gqlerror.Error {
	// A list of n items takes at least 2n-1 bytes: "1,1,…".
	if len(raw.Query) < 2*maxListItems || !strings.Contains(raw.Query, "=") {
		return nil
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: raw.Query})
	if err != nil {
		return nil // the executor parses it again and reports the error
	}
	for _, op := range doc.Operations {
		for _, d := range op.VariableDefinitions {
			if n := longestList(d.DefaultValue); n > maxListItems {
				// The shape of variableTypes' refusal (see variableRefusal).
				return &gqlerror.Error{
					Message:    fmt.Sprintf("must hold at most %d items, got %d", maxListItems, n),
					Path:       ast.Path{ast.PathName("variable"), ast.PathName(d.Variable)},
					Extensions: map[string]any{"code": errcode.ValidationFailed},
				}
			}
		}
	}
	return nil
}

// longestList returns the number of items of the longest list in v, a literal.
func longestList(v *ast.Value) int {
	if v == nil {
		return 0
	}
	n := 0
	if v.Kind == ast.ListValue {
		n = len(v.Children)
	}
	for _, c := range v.Children {
		n = max(n, longestList(c.Value))
	}
	return n
}
