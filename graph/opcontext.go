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
// left to the executor; then params is as it was, and no extension has seen the request,
// so that each sees it once (the parameter mutators bound what a document costs to parse
// and validate: run twice, such a document would cost twice).
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

	// A request that sends its query is looked up before the parameter mutators run (none of
	// the endpoint's changes a query it was sent); one that sends only a persisted query's
	// hash has its query from them.
	var ready prepared
	sent := params.Query != ""
	if sent && !c.prepare(ctx, params, &ready) || !sent && params.Extensions["persistedQuery"] == nil {
		return nil, nil, false
	}
	p := *params
	for _, m := range c.params {
		if err := m.MutateOperationParameters(ctx, &p); err != nil {
			*params = p
			return opCtx, gqlerror.List{err}, true // as the executor answers it
		}
	}
	if sent && p.Query != params.Query || !sent && !c.prepare(ctx, &p, &ready) {
		// An extension changed a query it was sent (none of the endpoint's does), or a
		// persisted query's document is not cached or its variables need converting: the
		// executor runs the parameter mutators again, for a hash alone a lookup.
		return nil, nil, false
	}

	*params = p
	opCtx.RawQuery = p.Query
	opCtx.OperationName = p.OperationName
	opCtx.Extensions = p.Extensions
	opCtx.Headers = p.Headers
	opCtx.Doc, opCtx.Operation, opCtx.Variables = ready.doc, ready.op, ready.vars
	opCtx.Stats.Parsing, opCtx.Stats.Validation = ready.parsing, ready.validation
	for _, m := range c.contexts {
		if err := m.MutateOperationContext(ctx, opCtx); err != nil {
			return opCtx, gqlerror.List{err}, true
		}
	}
	return opCtx, nil, true
}

// prepared is what create finds for a request before the extensions see it.
type prepared struct {
	doc                 *ast.QueryDocument
	op                  *ast.OperationDefinition
	vars                map[string]any
	parsing, validation graphql.TraceTiming
}

// prepare finds p's cached document, the operation p names and p's variables as
// coerceVariables takes them, reporting false if any is missing.
func (c *cachedOperations) prepare(ctx context.Context, p *graphql.RawParams, ready *prepared) bool {
	ready.parsing.Start = graphql.Now()
	doc, ok := c.cache.Get(ctx, p.Query)
	if !ok {
		return false
	}
	op := doc.Operations.ForName(p.OperationName)
	if op == nil {
		return false
	}
	ready.parsing.End = graphql.Now()
	ready.validation.Start = ready.parsing.End
	vars, ok := coerceVariables(c.schema, op, p.Variables)
	if !ok {
		return false
	}
	ready.validation.End = graphql.Now()
	ready.doc, ready.op, ready.vars = doc, op, vars
	return true
}
