package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestCountDefinitions(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{"", 0},
		{"{ a }", 1},
		{"{a}{a}{a}", 3},
		{"query Q($v: In = {a: {b: [1, {c: 2}]}}) { a(x: {y: 1}) { b } }", 1},
		{`fragment F on T { a { b } } query { ...F } mutation M { m(input: {s: "{ not a brace }"}) { id } }`, 3},
		{"# { a comment }\n{ a }", 1},
		{`{ a(s: """ { block { string """) }`, 1},
		{"{ a } }}} { b }", 2},  // unbalanced: the parser's to report
		{"{ a } \x01 { b }", 1}, // a token the lexer cannot read ends the count
	}
	for _, tt := range tests {
		if got := countDefinitions(tt.doc); got != tt.want {
			t.Errorf("countDefinitions(%q) = %d, want %d", tt.doc, got, tt.want)
		}
	}
}

func TestDefinitionLimit(t *testing.T) {
	for n, refused := range map[int]bool{maxDefinitions: false, maxDefinitions + 1: true} {
		raw := &graphql.RawParams{Query: strings.Repeat("{a}", n)}
		err := definitionLimit{}.MutateOperationParameters(context.Background(), raw)
		if (err != nil) != refused {
			t.Errorf("%d definitions: %v, want refused %v", n, err, refused)
		}
		if err != nil && err.Extensions["code"] != CodeComplexityLimitExceeded {
			t.Errorf("%d definitions: code %v, want %s", n, err.Extensions["code"], CodeComplexityLimitExceeded)
		}
	}
}

func TestWalkVisits(t *testing.T) {
	tests := []struct {
		doc  string
		want int
	}{
		{"{ a }", 1},
		{"{ a(x: 1) @skip(if: true) { b c } }", 5},
		// Q's two nodes, then F's and G's; F's, then G's again; G's: (2+2+2) + (2+2) + 2.
		{"query Q { a ...F } fragment F on T { b ...G } fragment G on T { c d }", 12},
		// F is walked once from Q however often Q spreads it, and once as a definition.
		{"query Q { ...F ...F ... on T { ...F } } fragment F on T { a }", 6},
	}
	for _, tt := range tests {
		doc, err := parser.ParseQuery(&ast.Source{Input: tt.doc})
		if err != nil {
			t.Fatalf("%s: %v", tt.doc, err)
		}
		if got := walkVisits(doc); got != tt.want {
			t.Errorf("walkVisits(%q) = %d, want %d", tt.doc, got, tt.want)
		}
	}
}
