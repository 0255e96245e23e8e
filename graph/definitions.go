package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// maxDocumentTokens bounds the tokens of one document. The body limit alone let a document
// of 400,000 unknown fields through (800 KB), which made half a gigabyte of memory in one
// request, parsed and validated (found by a black-box review). A client's document takes
// hundreds of tokens; one with a 500-item menu written inline, about 7,000.
const maxDocumentTokens = 50_000

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
	// A token takes a byte at least: only a longer document is counted.
	if len(raw.Query) > maxDocumentTokens && countTokens(raw.Query) > maxDocumentTokens {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the document holds more than %d tokens", maxDocumentTokens),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
		}
	}
	n := countDefinitions(raw.Query)
	if n > maxDefinitions {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the document holds more than %d operations and fragments: send the operation you run with the fragments it uses", maxDefinitions),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
		}
	}
	if n < 2 {
		return nil // one definition: validation walks each of its nodes once
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: raw.Query})
	if err != nil {
		return nil // the executor parses it again and reports the error
	}
	if walkVisits(doc) > maxWalkVisits {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("validating the document would take more than %d steps: its fragments are reached from too many operations and fragments; send the operation you run with the fragments it uses", maxWalkVisits),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
		}
	}
	return nil
}

// maxWalkVisits bounds walkVisits: at some 230 ns a visit, about a quarter of a second of
// validation. A client's document takes a few thousand.
const maxWalkVisits = 1_000_000

// walkVisits counts, up to maxWalkVisits+1, the nodes validation's walk visits in doc:
// gqlparser walks each operation and each fragment definition, and from each of them every
// fragment it reaches, once per definition; a fragment reached from a thousand definitions
// is walked a thousand times, whatever the rules then find. A node is a selection, an
// argument or a directive.
func walkVisits(doc *ast.QueryDocument) int {
	own := map[string]int{}          // a fragment's own nodes, not those of what it spreads
	spreads := map[string][]string{} // the fragments a fragment spreads, anywhere in it
	for _, f := range doc.Fragments {
		if _, ok := own[f.Name]; !ok { // the walk takes a name's first definition
			own[f.Name], spreads[f.Name] = nodes(f.SelectionSet, nil)
		}
	}
	visits := 0
	walk := func(set ast.SelectionSet) {
		n, stack := nodes(set, nil)
		visits += n
		seen := map[string]bool{}
		for len(stack) > 0 && visits <= maxWalkVisits {
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[name] {
				continue
			}
			seen[name] = true
			if _, ok := own[name]; ok {
				visits += own[name]
				stack = append(stack, spreads[name]...)
			}
		}
	}
	for _, op := range doc.Operations {
		if walk(op.SelectionSet); visits > maxWalkVisits {
			return visits
		}
	}
	for _, f := range doc.Fragments {
		if walk(f.SelectionSet); visits > maxWalkVisits {
			return visits
		}
	}
	return visits
}

// nodes returns the selections, arguments and directives in set, not following fragment
// spreads, and the names of the fragments it spreads (appended to spread).
func nodes(set ast.SelectionSet, spread []string) (int, []string) {
	n := 0
	for _, sel := range set {
		n++
		switch s := sel.(type) {
		case *ast.Field:
			n += len(s.Arguments) + len(s.Directives)
			var m int
			m, spread = nodes(s.SelectionSet, spread)
			n += m
		case *ast.InlineFragment:
			n += len(s.Directives)
			var m int
			m, spread = nodes(s.SelectionSet, spread)
			n += m
		case *ast.FragmentSpread:
			n += len(s.Directives)
			spread = append(spread, s.Name)
		}
	}
	return n, spread
}

// countTokens returns the number of tokens in query, up to maxDocumentTokens+1 (or up to
// one the lexer cannot read: the parser reports that).
func countTokens(query string) int {
	lx := lexer.New(&ast.Source{Input: query})
	n := 0
	for n <= maxDocumentTokens {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		n++
	}
	return n
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
