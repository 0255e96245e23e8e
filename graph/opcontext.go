package graph

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// cachedOperations builds an operation's context as gqlgen's executor does
// (Executor.CreateOperationContext: the extensions' parameter mutators, the parsed and
// validated document, the variables' coercion, the extensions' context mutators), for a
// request whose document is in the query cache and whose variables coerceVariables takes
// as they are: the requests a client sends again and again. It reports false for every
// other, before anything it did could be seen, and the executor then builds that one
// itself, errors included.
//
// Why: the executor coerces the variables with gqlparser's reflection walk
// (validator.VariableValues), and offers no way around it; see coerceVariables.
type cachedOperations struct {
	schema   *ast.Schema
	cache    *queryCache
	params   []graphql.OperationParameterMutator
	contexts []graphql.OperationContextMutator
	// executor holds what the executor puts in every operation context it builds, learnt
	// from the first it builds (nil until then): its recover function and the extensions'
	// field middleware, which it composes and does not export.
	executor atomic.Pointer[executorParts]
}

type executorParts struct {
	recover graphql.RecoverFunc
	field   graphql.FieldMiddleware
	root    graphql.RootFieldMiddleware
}

// newCachedOperations serves the documents of cache, against schema, with the extensions
// the executor has, in the order it was given them.
func newCachedOperations(schema *ast.Schema, cache *queryCache, extensions []graphql.HandlerExtension) *cachedOperations {
	c := &cachedOperations{schema: schema, cache: cache}
	for _, x := range extensions {
		if p, ok := x.(graphql.OperationParameterMutator); ok {
			c.params = append(c.params, p)
		}
		if m, ok := x.(graphql.OperationContextMutator); ok {
			c.contexts = append(c.contexts, m)
		}
	}
	return c
}

// learn keeps the parts of rc, built by the executor, that every context it builds shares.
func (c *cachedOperations) learn(rc *graphql.OperationContext) {
	if rc == nil || c.executor.Load() != nil {
		return
	}
	c.executor.Store(&executorParts{recover: rc.RecoverFunc, field: rc.ResolverMiddleware, root: rc.RootResolverMiddleware})
}

// create is the executor's CreateOperationContext for params, reporting false when it is
// left to the executor; then params is as it was.
func (c *cachedOperations) create(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List, bool) {
	parts := c.executor.Load()
	if parts == nil {
		return nil, nil, false
	}
	opCtx := &graphql.OperationContext{
		DisableIntrospection:   true,
		RecoverFunc:            parts.recover,
		ResolverMiddleware:     parts.field,
		RootResolverMiddleware: parts.root,
		Stats: graphql.Stats{
			Read:           params.ReadTime,
			OperationStart: graphql.GetStartTime(ctx),
		},
	}
	ctx = graphql.WithOperationContext(ctx, opCtx)

	p := *params // the executor, given the request back, mutates params afresh
	for _, m := range c.params {
		if err := m.MutateOperationParameters(ctx, &p); err != nil {
			return nil, nil, false
		}
	}
	opCtx.Stats.Parsing.Start = graphql.Now()
	doc, ok := c.cache.Get(ctx, p.Query)
	if !ok {
		return nil, nil, false
	}
	op := doc.Operations.ForName(p.OperationName)
	if op == nil {
		return nil, nil, false
	}
	now := graphql.Now()
	opCtx.Stats.Parsing.End = now
	opCtx.Stats.Validation.Start = now
	vars, ok := coerceVariables(c.schema, op, p.Variables)
	if !ok {
		return nil, nil, false
	}
	opCtx.Stats.Validation.End = graphql.Now()

	*params = p
	opCtx.RawQuery = p.Query
	opCtx.OperationName = p.OperationName
	opCtx.Extensions = p.Extensions
	opCtx.Headers = p.Headers
	opCtx.Doc = doc
	opCtx.Operation = op
	opCtx.Variables = vars
	for _, m := range c.contexts {
		if err := m.MutateOperationContext(ctx, opCtx); err != nil {
			return opCtx, gqlerror.List{err}, true
		}
	}
	return opCtx, nil, true
}
