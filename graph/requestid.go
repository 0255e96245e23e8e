package graph

import "context"

// RequestIDHeader names the header that carries a request's id, both ways: cmd/api takes a
// request's id from it and names the id in it in the response, which the CORS policy lets
// a page of an allowed origin read (Access-Control-Expose-Headers).
const RequestIDHeader = "X-Request-Id"

// requestIDKey is the context key of a request's id (WithRequestID).
type requestIDKey struct{}

// WithRequestID returns a copy of ctx that carries id, the id of the HTTP request ctx
// serves (cmd/api takes it from the request's X-Request-Id or makes one). A client learns
// nothing of an unexpected failure but its code, INTERNAL_SERVER_ERROR; in a context with
// an id, that error names the id in extensions.requestId, so that the client can quote it
// and an operator find the lines the server logged for that request, the cause among them.
// Over a WebSocket every operation of the connection has its upgrade request's id. An
// empty id is none.
func WithRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id WithRequestID put in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// internalExtensions returns the extensions of an INTERNAL_SERVER_ERROR in ctx: its code,
// and the request's id when ctx has one.
func internalExtensions(ctx context.Context) map[string]any {
	ext := map[string]any{"code": CodeInternal}
	if id := RequestID(ctx); id != "" {
		ext["requestId"] = id
	}
	return ext
}
