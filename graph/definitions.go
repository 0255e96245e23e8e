package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// maxDefinitions bounds the operations and fragments of one document. Validation walks a
// fragment again from every operation and fragment definition that reaches it, so its work
// grows with the square of their number: a chain of 10,000 fragments, each spreading the
// next (368 KB, within the body limit), held a core for 22 s, 8 s with the overlap rule's
// bound. Clients send a few; a generated document a few hundred.
const maxDefinitions = 1000

// definitionLimit refuses, before the document is parsed or validated, one of more than
// maxDefinitions definitions (COMPLEXITY_LIMIT_EXCEEDED). Each definition opens exactly one
// selection set outside any other brace, parenthesis or bracket, so counting those is
// counting definitions: a lexer's pass, made only for a document long enough to hold that
// many (each takes at least minDefinitionBytes).
type definitionLimit struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = definitionLimit{}

// minDefinitionBytes is the length of the shortest definition, "{a}" (a document may hold
// one anonymous operation only, but validation walks every one it holds).
const minDefinitionBytes = 3

func (definitionLimit) ExtensionName() string                   { return "DefinitionLimit" }
func (definitionLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (definitionLimit) MutateOperationParameters(_ context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if len(raw.Query) <= maxDefinitions*minDefinitionBytes {
		return nil
	}
	if countDefinitions(raw.Query) > maxDefinitions {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the document holds more than %d operations and fragments: send the operation you run with the fragments it uses", maxDefinitions),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
		}
	}
	return nil
}

// countDefinitions returns the number of selection sets query opens at its top level, up to
// maxDefinitions+1 (or up to a token the lexer cannot read: the parser reports that).
func countDefinitions(query string) int {
	lx := lexer.New(&ast.Source{Input: query})
	depth, n := 0, 0
	for n <= maxDefinitions {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		switch tok.Kind {
		case lexer.BraceL:
			if depth == 0 {
				n++
			}
			depth++
		case lexer.ParenL, lexer.BracketL:
			depth++
		case lexer.BraceR, lexer.ParenR, lexer.BracketR:
			depth = max(depth-1, 0)
		}
	}
	return n
}
