package graph

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/eventgraph/eventgraph/graph/generated"
)

// coerceSchema has every kind of input coerceVariables meets: the built-in scalars, a
// custom one, an enum, lists of lists, input fields with defaults and a recursive input.
const coerceSchema = `
scalar Money
enum Dish { PIZZA PASTA }
input Item { name: String! price: Money! count: Int = 1 dish: Dish tags: [String!] }
input Tree { value: Int children: [Tree!] leaf: Boolean! = false }
input Order { id: ID! items: [Item!]! note: String ratio: Float first: Boolean }
type Query { x: Int }
`

// coerceOperation declares a variable of each input type (and lists and defaults of them);
// it uses none, which only the NoUnusedVariables rule would mind.
const coerceOperation = `query(
	$int: Int, $intReq: Int!, $float: Float, $string: String, $bool: Boolean, $id: ID, $idReq: ID!,
	$money: Money, $dish: Dish, $ints: [Int], $idsReq: [ID!]!, $grid: [[Int!]], $item: Item,
	$order: Order!, $tree: Tree, $orders: [Order!], $withDefault: Int = 7, $dishDefault: Dish = PASTA
) { x }`

// endpointOperation declares a variable of each of the endpoint's input types, for its own
// schema.
const endpointOperation = `query(
	$create: CreateRestaurantInput, $change: ChangeRestaurantMenuInput!, $place: PlaceOrderInput,
	$prepared: MarkOrderAsPreparedInput, $status: OrderStatus, $cuisines: [Cuisine!], $position: Int64,
	$at: Time, $data: JSON, $ids: [ID!], $first: Int
) { __typename }`

// loadCoerceOperation returns the schema and the validated operation of coerceOperation.
func loadCoerceOperation(tb testing.TB) (*ast.Schema, *ast.OperationDefinition) {
	tb.Helper()
	schema, err := gqlparser.LoadSchema(&ast.Source{Input: coerceSchema})
	if err != nil {
		tb.Fatal(err)
	}
	return schema, validOperation(tb, schema, coerceOperation)
}

// loadEndpointOperation returns the endpoint's schema and the validated endpointOperation.
func loadEndpointOperation(tb testing.TB) (*ast.Schema, *ast.OperationDefinition) {
	tb.Helper()
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	return schema, validOperation(tb, schema, endpointOperation)
}

// validOperation parses and validates the operation query, which may leave its variables
// unused, against schema.
func validOperation(tb testing.TB, schema *ast.Schema, query string) *ast.OperationDefinition {
	tb.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		tb.Fatal(err)
	}
	r := rules.NewDefaultRules()
	r.RemoveRule("NoUnusedVariables")
	if errs := validator.ValidateWithRules(schema, doc, r); len(errs) > 0 {
		tb.Fatal(errs)
	}
	return doc.Operations[0]
}

// decodeVariables decodes a body's variables as the endpoint does: decodeParams, or else
// encoding/json with UseNumber.
func decodeVariables(body []byte) (map[string]any, bool) {
	var p struct {
		Variables map[string]any `json:"variables"`
	}
	d := paramDecoder{b: body}
	d.space()
	if v, ok := d.objectOrNull(); ok {
		d.space()
		if d.i == len(d.b) {
			return v, v != nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(append([]byte(`{"variables":`), append(body, '}')...)))
	dec.UseNumber()
	if dec.Decode(&p) != nil {
		return nil, false
	}
	return p.Variables, p.Variables != nil
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// checkCoerce holds coerceVariables to gqlparser's VariableValues for vars: when it takes
// them, VariableValues takes them too, returns the same, and changes nothing in them. It
// reports whether coerceVariables took them.
func checkCoerce(t *testing.T, schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) bool {
	t.Helper()
	ours := deepCopy(vars).(map[string]any)
	theirs := deepCopy(vars).(map[string]any)
	got, ok := coerceVariables(schema, op, ours)
	want, err := validator.VariableValues(schema, op, theirs)
	if !reflect.DeepEqual(ours, vars) {
		t.Fatalf("coerceVariables changed its input: %#v, was %#v", ours, vars)
	}
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("coerceVariables took %#v, VariableValues refused it: %v", vars, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("coerceVariables(%#v) = %#v, VariableValues %#v", vars, got, want)
	}
	if !reflect.DeepEqual(theirs, vars) {
		t.Fatalf("coerceVariables took %#v unchanged, VariableValues changed it to %#v", vars, theirs)
	}
	return true
}

// coerceCase is variables, as a body holds them, and whether coerceVariables takes them.
type coerceCase struct {
	name, vars string
	taken      bool // by coerceVariables; false: left to VariableValues
}

// runCoerceCases checks each case with checkCoerce against op of schema.
func runCoerceCases(t *testing.T, schema *ast.Schema, op *ast.OperationDefinition, cases []coerceCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			vars, ok := decodeVariables([]byte(tt.vars))
			if !ok {
				t.Fatalf("bad test: %s", tt.vars)
			}
			if taken := checkCoerce(t, schema, op, vars); taken != tt.taken {
				t.Fatalf("taken = %v, want %v", taken, tt.taken)
			}
		})
	}
}

func TestCoerceVariables(t *testing.T) {
	schema, op := loadCoerceOperation(t)
	// Every variable without a default that may not be null, and those with one (left out,
	// their defaults are left to VariableValues).
	required := `"intReq": 1, "idReq": "a", "idsReq": [], "order": {"id": "o", "items": []}, "withDefault": 2, "dishDefault": "PIZZA"`
	tests := []coerceCase{
		{"the required ones", `{` + required + `}`, true},
		{"an Int given as a number becomes an int64", `{` + required + `, "int": 5}`, true},
		{"a Float given as a number becomes a float64", `{` + required + `, "float": 1.5e3}`, true},
		{"an Int of an input object stays a json.Number", `{` + required + `, "tree": {"value": 5, "children": [{"value": -3, "leaf": true}]}}`, true},
		{"a Float given as an Int", `{` + required + `, "order": {"id": "o", "items": [], "ratio": 2}}`, true},
		{"an ID given as a number", `{` + required + `, "idReq": 12, "idsReq": ["a", 3], "order": {"id": 4, "items": []}}`, true},
		{"a custom scalar takes anything", `{` + required + `, "money": {"any": [1, "thing"]}}`, true},
		{"an enum value in another case", `{` + required + `, "dish": "pizza"}`, true},
		{"nulls where they may be", `{` + required + `, "int": null, "ints": [null, 1], "item": null, "orders": null}`, true},
		{"__typename in an input object", `{` + required + `, "order": {"id": "o", "items": [], "__typename": "Order"}}`, true},
		{"an input field with a default left out", `{` + required + `, "item": {"name": "n", "price": "1"}}`, true},
		{"a required input field with a default left out", `{` + required + `, "tree": {}}`, true},
		{"lists of lists", `{` + required + `, "grid": [[1, 2], [], [3]]}`, true},
		{"a variable with a default given", `{` + required + `, "withDefault": 3}`, true},

		{"variables with defaults given null", `{` + required + `, "withDefault": null, "dishDefault": null}`, true},

		{"a required variable left out", `{"idReq": "a", "idsReq": [], "order": {"id": "o", "items": []}, "withDefault": 2, "dishDefault": "PIZZA"}`, false},
		{"a required variable null", `{` + required + `, "intReq": null}`, false},
		{"an Int with a fraction", `{` + required + `, "int": 1.5}`, false},
		{"an Int of an input object with a fraction", `{` + required + `, "tree": {"value": 1.5}}`, false},
		{"a single value for a list", `{` + required + `, "idsReq": "a"}`, false},
		{"a list item null where it may not be", `{` + required + `, "grid": [[1, null]]}`, false},
		{"an unknown input field", `{` + required + `, "order": {"id": "o", "items": [], "what": 1}}`, false},
		{"a required input field left out", `{` + required + `, "order": {"items": []}}`, false},
		{"a required input field null", `{` + required + `, "order": {"id": null, "items": []}}`, false},
		{"a String given as a number (a json.Number: variableTypes refuses it later)", `{` + required + `, "string": 5}`, true},
		{"a String given as a boolean", `{` + required + `, "string": false}`, false},
		{"a Boolean given as a string", `{` + required + `, "bool": "true"}`, false},
		{"an enum value it does not have", `{` + required + `, "dish": "SOUP"}`, false},
		{"an input object given as a list", `{` + required + `, "item": [1]}`, false},
	}
	runCoerceCases(t, schema, op, tests)
}

// TestCoerceVariables_defaultsLeftToVariableValues: a variable left out whose definition
// has a default is left to VariableValues, which computes it.
func TestCoerceVariables_defaultsLeftToVariableValues(t *testing.T) {
	schema, op := loadCoerceOperation(t)
	vars := map[string]any{"intReq": json.Number("1"), "idReq": "a", "idsReq": []any{}, "order": map[string]any{"id": "o", "items": []any{}}}
	if _, ok := coerceVariables(schema, op, maps.Clone(vars)); ok {
		t.Fatal("took variables whose defaults it would have to compute")
	}
}

// FuzzCoerceVariables holds coerceVariables to VariableValues (see checkCoerce) for any
// variables a body may hold, against a schema with every kind of input and against the
// endpoint's own.
func FuzzCoerceVariables(f *testing.F) {
	for _, seed := range []string{
		`{"intReq": 1, "idReq": "a", "idsReq": [], "order": {"id": "o", "items": [{"name": "n", "price": 9.5, "dish": "PIZZA", "tags": ["x"]}]}, "withDefault": 1, "dishDefault": "PASTA"}`,
		`{"intReq": "1", "idReq": 1.0, "idsReq": [1e2], "order": {"id": "o", "items": []}, "grid": [1], "tree": {"children": [{"leaf": false}]}, "withDefault": null, "dishDefault": null}`,
		`{"intReq": 9223372036854775808, "idReq": true, "idsReq": null, "order": {"id": "o", "items": {}}, "float": "NaN", "bool": false, "withDefault": 0, "dishDefault": "pasta"}`,
		`{"change": {"id": "r1", "menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "m1", "name": "Pizza", "price": "9.50"}]}, "expectedVersion": 2}, "place": {"restaurantId": "r1", "menuItemIds": ["m1", "m1"]}, "status": "PREPARED", "cuisines": ["FRENCH"], "position": "12", "at": "2026-12-05T00:00:00Z", "data": {"a": [1]}, "ids": "x", "first": 5}`,
	} {
		f.Add([]byte(seed))
	}
	schema, op := loadCoerceOperation(f)
	endpoint, endpointOp := loadEndpointOperation(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		vars, ok := decodeVariables(body)
		if !ok {
			return
		}
		checkCoerce(t, schema, op, vars)
		checkCoerce(t, endpoint, endpointOp, vars)
	})
}

// TestCoerceVariables_endpoint: the endpoint's own inputs, as its clients send them, are
// taken; what VariableValues converts is left to it.
func TestCoerceVariables_endpoint(t *testing.T) {
	schema, op := loadEndpointOperation(t)
	change := `"change": {"id": "r1", "menu": {"cuisine": "ITALIAN", "menuItems": [{"menuItemId": "m1", "name": "Pizza", "price": "9.50"}]}}`
	tests := []coerceCase{
		{"every input", `{` + change + `, "create": {"name": "Bistro", "menu": {"cuisine": "FRENCH", "menuItems": []}, "commandId": "c1"},
			"place": {"restaurantId": "r1", "menuItemIds": ["m1", "m1"], "expectedVersion": 2}, "prepared": {"id": "o1"},
			"status": "PREPARED", "cuisines": ["FRENCH"], "position": "12", "at": "2026-12-05T00:00:00Z", "data": {"a": [1]}, "ids": ["x"], "first": 5}`, true},
		{"a single id for a list", `{` + change + `, "ids": "x"}`, false},
		{"an order without its restaurant", `{` + change + `, "place": {"menuItemIds": []}}`, false},
		{"the required input left out", `{}`, false},
	}
	runCoerceCases(t, schema, op, tests)
}
