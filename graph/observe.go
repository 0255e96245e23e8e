package graph

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/eventgraph/eventgraph/graph/generated"
)

// Operation describes a finished GraphQL operation, for logs and metrics. It holds no
// variables and no response data.
type Operation struct {
	// Type is "query", "mutation" or "subscription", or "" when the request was refused
	// before its operation was known (it did not parse, or named no operation it holds), or
	// a WebSocket connection was refused at connection_init for want of a valid token, before
	// any operation ran on it (Codes is then [CodeUnauthenticated]), or an operation was
	// refused on a WebSocket over Config.MaxOperationsPerConnection before it was parsed
	// (Codes is then [CodeOperationLimitExceeded]).
	Type string
	// Name is the operation's name, "" when anonymous.
	Name string
	// Field is the first root field selected ("createRestaurant", "events"), "" when unknown.
	// For a document refused by validation it is what the document names, which the schema
	// may not have: no metric label takes it.
	Field string
	// Codes are the extensions.code of the operation's errors, in order; for a subscription,
	// of the errors of all its responses (at most maxObservedCodes). Empty when it succeeded.
	Codes []string
	// Duration is how long the operation took; for a subscription, how long it was open.
	Duration time.Duration
}

// Observer is told about every GraphQL operation the handler serves (set Config.Observer).
// Its methods are called on the request's goroutines; they must be quick and safe for
// concurrent use.
type Observer interface {
	// OperationDone is called once per operation: a query or mutation after its response,
	// a subscription when it ends, and a request refused before execution (parse,
	// validation, limits) with its errors. ctx carries the request's context values.
	OperationDone(ctx context.Context, op Operation)
	// SubscriptionStarted is called when a subscription starts, with its root field, once
	// its resolver has started it: an event appended after the call reaches it. done is
	// called exactly once when it ends (the stream completes, the client stops it, or the
	// connection closes). A subscription that ends while starting is reported to
	// OperationDone only.
	SubscriptionStarted(ctx context.Context, field string) (done func())
}

// ErrorCode returns the extensions.code the API reports for err, returned by an operation
// running in ctx, as the error presenter does: CANCELED for an error that ctx's end caused
// (a client gone, a shutdown), INTERNAL_SERVER_ERROR for other errors it does not know.
// Metrics use it to label a command's outcome, so that an alert on internal errors does
// not fire on disconnects, and does fire on a cancellation from inside the server.
func ErrorCode(ctx context.Context, err error) string {
	code, _, _ := classifyIn(ctx, err)
	return code
}

// CommandErrorCodes returns the codes ErrorCode gives a command's errors: the domain's
// rejections, its store's conflicts and refusals, a cancellation, and an internal error.
func CommandErrorCodes() []string {
	return []string{
		CodeBadUserInput, CodeNotFound, CodeAlreadyExists, CodeMenuItemsNotAvailable, CodeOrderAlreadyPrepared,
		CodeVersionConflict, CodeCommandIDReused, CodeCanceled, CodeInternal,
	}
}

// SubscriptionFields returns the schema's subscription root fields, the kinds of
// subscription Observer.SubscriptionStarted reports.
func SubscriptionFields() []string {
	var fields []string
	for _, f := range generated.NewExecutableSchema(generated.Config{}).Schema().Subscription.Fields {
		if !strings.HasPrefix(f.Name, "__") {
			fields = append(fields, f.Name)
		}
	}
	return fields
}

// CodeSlowConsumer marks a subscription the server cut off because its client stopped taking
// what was written to it: a write made no progress within the stream write timeout
// (Config.StreamWriteTimeout for a WebSocket, whose every operation then ends with it;
// cmd/api's --stream-write-timeout for a Server-Sent Events stream). The client, cut off, never reads
// it; logs and metrics do, so that an operator can tell a subscriber that was cut off from
// one whose subscription ended well.
const CodeSlowConsumer = "SLOW_CONSUMER"

// maxObservedCodes bounds the error codes an Operation collects.
const maxObservedCodes = 16

// observed is the gqlgen extension that reports operations to an Observer.
type observed struct{ o Observer }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = observed{}

// dispatchedKey marks the context of an operation that InterceptOperation reports, so
// InterceptResponse reports only the requests refused before execution.
type dispatchedKey struct{}

func (observed) ExtensionName() string                   { return "Observer" }
func (observed) Validate(graphql.ExecutableSchema) error { return nil }

func (x observed) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx = context.WithValue(ctx, dispatchedKey{}, true)
	opCtx := graphql.GetOperationContext(ctx)
	op := describe(opCtx)
	start := opCtx.Stats.OperationStart
	if start.IsZero() {
		start = time.Now()
	}
	if op.Type != string(ast.Subscription) {
		h := next(ctx)
		var once sync.Once
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			once.Do(func() {
				op.Codes = appendCodes(nil, resp)
				op.Duration = time.Since(start)
				x.o.OperationDone(ctx, op)
			})
			return resp
		}
	}

	var (
		mu    sync.Mutex
		codes []string
		done  func() // set once the subscription started, unless it ended first
		ended bool
		once  sync.Once
	)
	finish := func() {
		once.Do(func() {
			mu.Lock()
			ended = true
			op.Codes = codes
			d := done
			mu.Unlock()
			if d != nil {
				d()
			}
			if u, ok := ctx.Value(webSocketKey{}).(*upgrade); ok && u.slow.Load() {
				op.Codes = append(slices.Clip(op.Codes), CodeSlowConsumer) // see progressConn
			}
			op.Duration = time.Since(start)
			x.o.OperationDone(ctx, op)
		})
	}
	stop := context.AfterFunc(ctx, finish) // the transport may stop asking for responses
	// next runs the resolver, which starts the subscription at the store's head. Only then
	// is it reported started: a client that waits for the report (the
	// graphql_subscriptions gauge) knows that what it writes next will reach it. One that a
	// limit refused, or whose resolver refused its arguments, never started (see
	// markStarted): counted, it had made the gauge read hundreds over a limit of 100.
	started := new(atomic.Bool)
	h := next(context.WithValue(ctx, startedKey{}, started))
	mu.Lock()
	if !ended && started.Load() {
		done = x.o.SubscriptionStarted(ctx, op.Field)
	}
	mu.Unlock()
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if resp == nil {
			stop()
			finish()
			return nil
		}
		if len(resp.Errors) > 0 {
			mu.Lock()
			codes = appendCodes(codes, resp)
			mu.Unlock()
		}
		return resp
	}
}

// startedKey marks an observed subscription's context; its value, an *atomic.Bool, is set
// by markStarted.
type startedKey struct{}

// markStarted tells the observer that the subscription of ctx started: its resolver
// accepted it and began to stream (see pump).
func markStarted(ctx context.Context) {
	if started, ok := ctx.Value(startedKey{}).(*atomic.Bool); ok {
		started.Store(true)
	}
}

func (x observed) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || ctx.Value(dispatchedKey{}) != nil {
		return resp
	}
	// Refused before execution: DispatchError builds this response.
	var op Operation
	if graphql.HasOperationContext(ctx) {
		opCtx := graphql.GetOperationContext(ctx)
		op = describe(opCtx)
		if op.Type == "" && opCtx.RawQuery != "" {
			// Validation failed before gqlgen picked the operation: a document that parses
			// still says which operation a broken client sent.
			op = describeRaw(opCtx.RawQuery, opCtx.OperationName)
		}
		if !opCtx.Stats.OperationStart.IsZero() {
			op.Duration = time.Since(opCtx.Stats.OperationStart)
		}
	}
	op.Codes = appendCodes(nil, resp)
	x.o.OperationDone(ctx, op)
	return resp
}

// describe returns the type, name and first root field of the operation, as far as known.
func describe(opCtx *graphql.OperationContext) Operation {
	if opCtx == nil {
		return Operation{}
	}
	op := Operation{Name: opCtx.OperationName}
	if o := opCtx.Operation; o != nil {
		op.Type = string(o.Operation)
		if o.Name != "" {
			op.Name = o.Name
		}
		op.Field = firstField(o.SelectionSet, map[*ast.FragmentDefinition]bool{})
	}
	return op
}

// describeRaw describes the operation name picks from the document query, parsed without
// validation: for a request refused before gqlgen picked its operation. Its size is bounded
// by the request body limit; a document that does not parse is described by name alone.
func describeRaw(query, name string) Operation {
	op := Operation{Name: name}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return op
	}
	o := doc.Operations.ForName(name)
	if o == nil {
		return op
	}
	op.Type = string(o.Operation)
	if o.Name != "" {
		op.Name = o.Name
	}
	op.Field = firstField(o.SelectionSet, map[*ast.FragmentDefinition]bool{})
	return op
}

// firstField returns the name of the first field of set, looking into inline fragments and
// fragment spreads (subscription { ... on Subscription { events { … } } } subscribes to
// events); "" when there is none. It walks each fragment once, seen holding those it
// walked, so a cycle (validation refuses them, but describe also sees documents that failed
// it) ends the walk, and so does a document's end: nesting needs no bound of its own, the
// parser went as deep. (A bound of 8 made a subscription behind fragments nested deeper
// report the field "", so count in graphql_subscriptions{kind=""}.)
func firstField(set ast.SelectionSet, seen map[*ast.FragmentDefinition]bool) string {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			return sel.Name
		case *ast.InlineFragment:
			if name := firstField(sel.SelectionSet, seen); name != "" {
				return name
			}
		case *ast.FragmentSpread:
			if d := sel.Definition; d != nil && !seen[d] {
				seen[d] = true
				if name := firstField(d.SelectionSet, seen); name != "" {
					return name
				}
			}
		}
	}
	return ""
}

// appendCodes appends the extensions.code of resp's errors to codes, up to maxObservedCodes.
func appendCodes(codes []string, resp *graphql.Response) []string {
	if resp == nil {
		return codes
	}
	for _, e := range resp.Errors {
		if len(codes) >= maxObservedCodes {
			break
		}
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "UNKNOWN"
		}
		codes = append(codes, code)
	}
	return codes
}
