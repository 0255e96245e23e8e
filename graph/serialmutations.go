package graph

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// serialMutations is the extension that stops a mutation operation at its first failed
// root field, as graphql-js does (executeFieldsSerially rejects once a non-null field
// failed, so the later fields never run): every later root field is answered NOT_EXECUTED
// and its resolver is not called.
//
// Why: gqlgen runs a mutation's root fields one after another, and a failed non-null one
// makes data null, yet it goes on running the later ones. Their writes happened, but their
// results were lost in data: null, and a client reading "a rejected command writes
// nothing" believed nothing was written. The writes of the mutations before the failure
// stay (nothing can undo them), and their results are lost to data: null, as in graphql-js.
//
// The state of an operation is a mutationRun, which InterceptResponse puts in the context
// the operation's root fields are executed with: no package-level state, nothing in the
// operation context (whose root middleware cachedOperations copies from one request to the
// next), one per response, and a mutation has exactly one.
type serialMutations struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.RootFieldInterceptor
} = serialMutations{}

func (serialMutations) ExtensionName() string                   { return "SerialMutations" }
func (serialMutations) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse gives a mutation's execution a fresh mutationRun; queries and
// subscriptions get none, so InterceptRootField leaves them alone.
func (serialMutations) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if isMutation(ctx) {
		ctx = context.WithValue(ctx, mutationRunKey{}, &mutationRun{})
	}
	return next(ctx)
}

// InterceptRootField runs a root mutation field unless an earlier one of the operation
// failed, and notes whether this one failed.
func (serialMutations) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	run, ok := ctx.Value(mutationRunKey{}).(*mutationRun)
	if !ok {
		return next(ctx)
	}
	field := graphql.GetRootFieldContext(ctx).Field
	if failed := run.failed.Load(); failed != nil {
		graphql.AddError(ctx, notExecuted(field, *failed))
		return graphql.Null
	}
	res := next(ctx)
	// A non-null root field that resolved to null makes data null (gqlgen's generated
	// _Mutation counts it invalid); a nullable one that failed does not, and the next runs.
	if res == graphql.Null && field.Definition != nil && field.Definition.Type.NonNull {
		run.failed.Store(&field.Alias)
	}
	return res
}

// mutationRun is what serialMutations knows of one mutation operation's execution.
// gqlgen calls its root fields one after another, in one goroutine: the atomic costs
// nothing and keeps the state safe should that ever change.
type mutationRun struct {
	failed atomic.Pointer[string] // the response key of the root field that failed, once one has
}

type mutationRunKey struct{}

// notExecuted is the error of the root mutation field that was not run because an earlier
// one, whose response key is failed, had failed.
func notExecuted(field graphql.CollectedField, failed string) *gqlerror.Error {
	err := &gqlerror.Error{
		Message: fmt.Sprintf("not executed: an earlier mutation in this request (%s) failed, so this one was not run and wrote nothing", failed),
		Path:    ast.Path{ast.PathName(field.Alias)},
		Extensions: map[string]any{
			"code": CodeNotExecuted,
		},
	}
	if field.Position != nil {
		err.Locations = []gqlerror.Location{{Line: field.Position.Line, Column: field.Position.Column}}
	}
	return err
}
