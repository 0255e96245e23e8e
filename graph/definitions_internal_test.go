package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
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
