package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validationRules are gqlparser's default rules plus numbersInRange.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule(numbersInRange.Name, numbersInRange.RuleFunc)
	return r
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
