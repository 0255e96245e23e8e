package graph

import (
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// singleSubscriptionRoot replaces gqlparser's SingleFieldSubscriptions rule: a subscription
// selects exactly one root field (GraphQL §5.2.3.1). gqlparser counts the root fields by
// name, so `subscription { a: events { id } b: events { id } }` passed it, and a root field
// under @skip or @include could leave none; gqlgen's executor then refused the operation
// as it ran, with an error without a code, which a client got as INTERNAL_SERVER_ERROR and
// the log as a server fault. This rule counts response keys (an alias, else the name),
// through fragments, and refuses @skip and @include in the root selection, as the GraphQL
// specification's draft and graphql-js do, since what they leave depends on variables a
// validation cannot see.
var singleSubscriptionRoot = core.Rule{
	Name: rules.SingleFieldSubscriptionsRule.Name,
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		observers.OnOperation(func(walker *core.Walker, op *ast.OperationDefinition) {
			if walker.Schema.Subscription == nil || op.Operation != ast.Subscription {
				return
			}
			name := "Anonymous Subscription"
			if op.Name != "" {
				name = "Subscription " + strconv.Quote(op.Name)
			}
			keys := map[string]bool{}
			spread := map[string]bool{}
			var walk func(ast.SelectionSet)
			walk = func(set ast.SelectionSet) {
				for _, sel := range set {
					var dirs ast.DirectiveList
					switch sel := sel.(type) {
					case *ast.Field:
						dirs = sel.Directives
						key := sel.Alias
						if key == "" {
							key = sel.Name
						}
						if !keys[key] {
							keys[key] = true
							if len(keys) == 2 {
								addError(core.Message("%s must select only one top level field.", name), core.At(sel.Position))
							}
						}
						if strings.HasPrefix(sel.Name, "__") {
							addError(core.Message("%s must not select an introspection top level field.", name), core.At(sel.Position))
						}
					case *ast.InlineFragment:
						dirs = sel.Directives
						walk(sel.SelectionSet)
					case *ast.FragmentSpread:
						dirs = sel.Directives
						if sel.Definition != nil && !spread[sel.Name] {
							spread[sel.Name] = true
							walk(sel.Definition.SelectionSet)
						}
					}
					for _, d := range dirs {
						if d.Name == "skip" || d.Name == "include" {
							addError(core.Message("%s must not use @%s in its top level selection.", name, d.Name), core.At(d.Position))
						}
					}
				}
			}
			walk(op.SelectionSet)
		})
	},
}
