package graph

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// coerceVariables is gqlparser's validator.VariableValues for the variables that pass it
// unchanged: it returns what VariableValues would return, and true, when VariableValues
// would accept vars without rewriting any value inside them, and false otherwise (a value
// it would refuse, or one it would convert: a single value for a list, a float for an ID,
// a default to fill in), leaving those to VariableValues itself, errors included.
//
// Why: VariableValues walks the variables by reflection, boxing a path element for every
// field it visits, and gqlgen runs it for every operation. For a mutation it was some 5 % of
// the server's processor time and 18 % of its allocations (BENCHMARKS.md); type switches
// over the values the endpoint decodes (map[string]any, []any, string, json.Number, bool,
// nil) do the same checks without either. FuzzCoerceVariables holds the two to the same
// results.
func coerceVariables(schema *ast.Schema, op *ast.OperationDefinition, vars map[string]any) (map[string]any, bool) {
	coerced := make(map[string]any, len(op.VariableDefinitions))
	for _, d := range op.VariableDefinitions {
		if d.Definition == nil || !d.Definition.IsInputType() {
			return nil, false
		}
		v, ok := vars[d.Variable]
		switch {
		case !ok:
			if d.DefaultValue != nil || d.Type.NonNull {
				return nil, false // a default to compute, or an error
			}
			continue
		case v == nil:
			if d.Type.NonNull {
				return nil, false
			}
			coerced[d.Variable] = nil
			continue
		}
		if n, isNumber := v.(json.Number); isNumber && d.Type.Elem == nil {
			// The one conversion VariableValues makes of a value it takes: a variable that is
			// itself an Int or a Float becomes an int64 or a float64.
			switch d.Type.NamedType {
			case "Int":
				i, err := n.Int64()
				if err != nil {
					return nil, false
				}
				v = i
			case "Float":
				f, err := n.Float64()
				if err != nil {
					return nil, false
				}
				v = f
			}
		}
		if !acceptsUnchanged(schema, d.Type, v) {
			return nil, false
		}
		coerced[d.Variable] = v
	}
	return coerced, true
}

// acceptsUnchanged reports whether VariableValues takes v, not nil, as a value of typ and
// leaves it as it is.
func acceptsUnchanged(schema *ast.Schema, typ *ast.Type, v any) bool {
	if typ.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return false // VariableValues would wrap it in a list
		}
		for _, item := range list {
			if item == nil {
				if typ.Elem.NonNull {
					return false
				}
				continue
			}
			if !acceptsUnchanged(schema, typ.Elem, item) {
				return false
			}
		}
		return true
	}
	def := schema.Types[typ.NamedType]
	if def == nil {
		return false
	}
	switch def.Kind {
	case ast.Enum:
		s, ok := v.(string)
		if !ok {
			return false
		}
		for _, e := range def.EnumValues {
			if strings.EqualFold(s, e.Name) {
				return true
			}
		}
		return false
	case ast.Scalar:
		return scalarUnchanged(typ.NamedType, v)
	case ast.InputObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for name := range obj {
			if name != "__typename" && def.Fields.ForName(name) == nil {
				return false
			}
		}
		for _, f := range def.Fields {
			value, ok := obj[f.Name]
			switch {
			case !ok:
				if f.Type.NonNull {
					if f.DefaultValue == nil {
						return false
					}
					if _, err := f.DefaultValue.Value(nil); err != nil {
						return false
					}
				}
			case value == nil:
				if f.Type.NonNull {
					return false
				}
			case !acceptsUnchanged(schema, f.Type, value):
				return false
			}
		}
		return true
	}
	return false
}

// scalarUnchanged is VariableValues' check of a scalar, for the Go types a decoded JSON
// value may have: json.Number is a string to it, as to reflection, and a custom scalar takes
// anything (its unmarshaller and variableTypes judge it later).
func scalarUnchanged(name string, v any) bool {
	if !builtinScalar(name) {
		return true
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text = string(x)
	case bool:
		return name == "Boolean"
	case int64:
		return name == "Int" || name == "Float" || name == "ID"
	case float64:
		// A Float variable, converted by coerceVariables. VariableValues would convert a
		// float64 ID, so those are left to it.
		return name == "Float"
	default:
		return false
	}
	switch name {
	case "String", "ID":
		return true
	case "Int":
		_, err := strconv.ParseInt(text, 10, 64)
		return err == nil
	case "Float":
		_, err := strconv.ParseFloat(text, 64)
		return err == nil
	}
	return false // Boolean
}

// builtinScalar reports whether name is one of GraphQL's own scalars.
func builtinScalar(name string) bool {
	switch name {
	case "Int", "Float", "String", "Boolean", "ID":
		return true
	}
	return false
}
