package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/eventgraph/eventgraph/service"
)

// eventsBudget is the extension that gives each query a service.ReadBudget of bytes, which
// all its events fields share (see Config.MaxEventsBytes): the fields of one query resolve
// concurrently, so no single page can know what the others return.
type eventsBudget struct{ bytes int64 }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = eventsBudget{}

func (eventsBudget) ExtensionName() string                   { return "EventsBudget" }
func (eventsBudget) Validate(graphql.ExecutableSchema) error { return nil }

func (b eventsBudget) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Query {
		ctx = context.WithValue(ctx, readBudgetKey{}, service.NewReadBudget(b.bytes))
	}
	return next(ctx)
}

type readBudgetKey struct{}

// readBudgetOf returns the read budget of ctx's query, or nil when it has none (no limit).
func readBudgetOf(ctx context.Context) *service.ReadBudget {
	b, _ := ctx.Value(readBudgetKey{}).(*service.ReadBudget)
	return b
}

// selectsEventBody reports whether the events field of ctx selects an event's data or
// metadata, which may be large: the others are a few bytes each. Without them, the events
// are read without keeping their bodies, and count for less against the budget.
func selectsEventBody(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return true
	}
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, []string{"Event"}) {
		if f.Name == "data" || f.Name == "metadata" {
			return true
		}
	}
	return false
}
