package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Operations counts the queries and mutations running on one stream (a WebSocket connection,
// or a Server-Sent Events request), so that a server shutting down can end the stream's
// subscriptions only once they have answered: a mutation sent over graphql-ws is committed
// and its client told, rather than cut off with the connection. Attach one to a stream
// request's context with WithOperations; the endpoint counts what runs under it.
type Operations struct {
	mu      sync.Mutex
	running int
	idle    chan struct{} // made by Idle, closed once running is 0
}

type operationsKey struct{}

// WithOperations returns ctx with ops attached: every query and mutation the endpoint runs
// under it counts in ops until it has answered.
func WithOperations(ctx context.Context, ops *Operations) context.Context {
	return context.WithValue(ctx, operationsKey{}, ops)
}

// Idle returns a channel closed once no query or mutation is running (at once when none is).
func (o *Operations) Idle() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.idle == nil {
		o.idle = make(chan struct{})
		if o.running == 0 {
			close(o.idle)
		}
	}
	return o.idle
}

func (o *Operations) begin() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.running++
}

func (o *Operations) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.running--; o.running == 0 && o.idle != nil {
		select {
		case <-o.idle:
		default:
			close(o.idle)
		}
	}
}

// operationCounter is the extension that counts queries and mutations in the Operations of
// their stream, from the moment they are dispatched until their context ends: the WebSocket
// transport ends an operation's context once it has sent the operation's complete message,
// and an SSE request's ends when its handler has written it and returned. (Ending the count at
// the transport's request for a response after the last one let a shutdown close the
// connection before that complete, and a graphql-ws client retries an operation that did not
// complete.)
type operationCounter struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = operationCounter{}

func (operationCounter) ExtensionName() string                   { return "OperationCounter" }
func (operationCounter) Validate(graphql.ExecutableSchema) error { return nil }

func (operationCounter) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ops, _ := ctx.Value(operationsKey{}).(*Operations)
	if ops == nil {
		return next(ctx) // a plain GET or POST: http.Server.Shutdown waits for it
	}
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation == ast.Subscription {
		return next(ctx)
	}
	ops.begin()
	context.AfterFunc(ctx, ops.end)
	return next(ctx)
}

// streamDispatch is the extension that tells an SSE stream that its operation was dispatched
// (see streamWriter.dispatch): until then, the stream's only "next" event can be a request
// error.
type streamDispatch struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = streamDispatch{}

func (streamDispatch) ExtensionName() string                   { return "StreamDispatch" }
func (streamDispatch) Validate(graphql.ExecutableSchema) error { return nil }

func (streamDispatch) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if s := streamFrom(ctx); s != nil {
		s.dispatch()
	}
	return next(ctx)
}
