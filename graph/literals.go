package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules are gqlparser's default rules plus numbersInRange and
// customScalarLiterals, with singleSubscriptionRoot and boundedOverlaps for gqlparser's
// rules of the same names.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.ReplaceRule(singleSubscriptionRoot.Name, singleSubscriptionRoot.RuleFunc)
	r.ReplaceRule(boundedOverlaps.Name, boundedOverlaps.RuleFunc)
	r.AddRule(numbersInRange.Name, numbersInRange.RuleFunc)
	r.AddRule(customScalarLiterals.Name, customScalarLiterals.RuleFunc)
	return r
}

// customScalarLiterals refuses a literal of a custom scalar that its unmarshaller refuses
// (minPosition: 1.5, a Time that is not RFC 3339), as gqlparser refuses a bad literal of a
// built-in scalar: a validation failure with the literal's location, before anything runs.
// Left to execution, it was an error of the field alone, with data null and no location, and
// a response of 200 even to a client that asked for application/graphql-response+json.
var customScalarLiterals = core.Rule{
	Name: "CustomScalarLiterals",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnValue(func(_ *core.Walker, value *ast.Value) {
			if value.Definition == nil || value.Definition.Kind != ast.Scalar || value.Kind == ast.Variable || value.Kind == ast.NullValue {
				return
			}
			// The built-in scalars' literals are ValuesOfCorrectType's to check.
			read, ok := scalarReaders[value.Definition.Name]
			if !ok || value.Definition.BuiltIn {
				return
			}
			v, err := value.Value(nil)
			if err != nil {
				return // numbersInRange's
			}
			if err := read(v); err != nil {
				msg := err.Error()
				if value.Kind == ast.FloatValue { // the value read no longer says how it was written
					msg += " (" + value.Raw + ")"
				}
				addError(core.Message("%s", msg), core.At(value.Position))
			}
		})
	},
}

// numbersInRange refuses a number literal that does not fit the number it is read as (an
// integer beyond 64 bits, a float beyond float64) where the value is of a custom scalar
// such as Int64. gqlparser checks literals of the built-in scalars (ValuesOfCorrectType)
// but leaves custom ones to their unmarshaller, and gqlgen reads every argument with
// ast.Value.Value before that (computing the complexity, resolving the field), which
// panics on such a literal: the client got INTERNAL_SERVER_ERROR, and a WebSocket lost the
// whole connection with every other subscription on it. A validation rule runs once per
// query text (the parsed and validated document is cached), so it costs nothing per request.
var numbersInRange = core.Rule{
	Name: "NumbersInRange",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnValue(func(_ *core.Walker, value *ast.Value) {
			if value.Kind != ast.IntValue && value.Kind != ast.FloatValue {
				return
			}
			if value.Definition != nil && value.Definition.Kind == ast.Scalar &&
				value.Definition.OneOf("Int", "Float", "String", "Boolean", "ID") {
				return // ValuesOfCorrectType's
			}
			if _, err := value.Value(nil); err == nil {
				return
			}
			name := "the number"
			if value.Definition != nil {
				name = value.Definition.Name
			}
			addError(core.Message("%s cannot represent %s: out of range", name, value.Raw), core.At(value.Position))
		})
	},
}
