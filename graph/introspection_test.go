package graph_test

import (
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// standardIntrospection is graphql-js's getIntrospectionQuery with every option on (as
// GraphiQL sends it): the query tools must always be able to run.
const standardIntrospection = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// TestIntrospection_bounded: an operation's introspection is bounded before it runs (gqlgen's
// complexity limit does not count __schema): at most four __schema and __type fields, and
// lists nested no deeper than the standard introspection query nests them. 10,000 aliases of
// __schema had made a response of 54 MB.
func TestIntrospection_bounded(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, query string
		refused     bool
	}{
		{"the standard introspection query", standardIntrospection, false},
		{"four introspection fields", aliases(4, `__type(name: "Query") { name }`), false},
		{"five introspection fields", aliases(5, `__type(name: "Query") { name }`), true},
		{"10,000 aliases of __schema", aliases(10000, `__schema { types { name } }`), true},
		{"aliases hidden in fragments", `{ ...A ...B } fragment A on Query { a: __schema { queryType { name } } b: __schema { queryType { name } } c: __type(name: "Query") { name } }
			fragment B on Query { d: __type(name: "Order") { name } e: __type(name: "Event") { name } }`, true},
		{"one fragment spread many times is one field", `{ ...A ...A ...A ...A ...A ...A } fragment A on Query { __schema { queryType { name } } }`, false},
		// One __schema with its lists aliased repeats the schema once an alias (1,000 made 13 MB).
		{"aliases inside one __schema", `{ __schema { a0: types { name } a1: types { name } } }`, true},
		{"an alias of a scalar field inside a list", `{ __schema { types { a0: name } } }`, true},
		{"an alias inside a fragment", `{ __type(name: "Query") { ...F } } fragment F on __Type { fields { n: name } }`, true},
	}
	t.Run("lists nested through types", func(t *testing.T) {
		// Each level multiplies the response by a type's fields: gqlparser's validation
		// (graphql-js's MaxIntrospectionDepthRule) refuses the third.
		r := e.do(t, `{ __type(name: "Query") { fields { type { fields { type { fields { name } } } } } } }`, nil)
		if r.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "introspection depth") {
			t.Fatalf("got %v; want the introspection depth refused", r.Errors)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, tt.query, nil)
			switch {
			case tt.refused && r.Code() != graph.CodeComplexityLimitExceeded:
				t.Fatalf("got %.300s; want COMPLEXITY_LIMIT_EXCEEDED", r.Errors)
			case !tt.refused && (len(r.Errors) > 0 || len(r.Data) < 20):
				t.Fatalf("errors %v, data %.200s; want an answer", r.Errors, r.Data)
			}
		})
	}
}

// TestSchema_described: what the playground's documentation shows: every type, field,
// argument and input field of the schema has a description (enum values may speak for
// themselves; the introspection types and built-in scalars are GraphQL's own).
func TestSchema_described(t *testing.T) {
	e := newEnv(t)
	var got struct {
		Schema struct {
			Types []struct {
				Name, Kind, Description string
				Fields                  []struct {
					Name, Description string
					Args              []struct{ Name, Description string }
				}
				InputFields []struct{ Name, Description string }
			}
		} `json:"__schema"`
	}
	e.must(t, `{ __schema { types { name kind description fields { name description args { name description } } inputFields { name description } } } }`, nil, &got)
	builtin := map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}
	var missing []string
	for _, ty := range got.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") || builtin[ty.Name] {
			continue
		}
		if ty.Description == "" && ty.Name != "Query" && ty.Name != "Mutation" && ty.Name != "Subscription" {
			missing = append(missing, ty.Name)
		}
		for _, f := range ty.Fields {
			if f.Description == "" {
				missing = append(missing, ty.Name+"."+f.Name)
			}
			for _, a := range f.Args {
				if a.Description == "" {
					missing = append(missing, ty.Name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		for _, f := range ty.InputFields {
			if f.Description == "" {
				missing = append(missing, ty.Name+"."+f.Name)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("without a description: %s", strings.Join(missing, ", "))
	}
}
