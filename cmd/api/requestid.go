package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/eventgraph/eventgraph/graph"
)

// maxRequestIDLength bounds an id the server takes from a request: a UUID, or a proxy's
// id, is well under it.
const maxRequestIDLength = 128

// withRequestID gives every request an id: the one its X-Request-Id header holds (a proxy's
// in front, or the client's own) when that is 1–128 visible ASCII characters, otherwise a
// new random UUID. The response's X-Request-Id names it, every line logged in the request's
// context carries it as requestId (see requestIDHandler), and an INTERNAL_SERVER_ERROR
// names it in extensions.requestId (graph.WithRequestID): the client learns no cause, and
// with the id an operator finds the line that has it. An id is taken as given, not
// trusted: it only ties lines together, and two requests may bring the same one.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(graph.RequestIDHeader)
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		w.Header().Set(graph.RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(graph.WithRequestID(r.Context(), id)))
	})
}

// validRequestID reports whether id is 1–128 visible ASCII characters: nothing a log line
// would need to escape beyond quotes, and no space to split it.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLength {
		return false
	}
	for i := range len(id) {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// requestIDHandler is a slog.Handler that adds the request's id (graph.RequestID of the
// record's context) to every record logged in a request's context, as requestId, and its
// trace id, when it came with one (see withTraceparent), as traceId: the request's line,
// and the library's lines about it (an internal error's cause, a snapshot not saved), which
// log with the request's context.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	id, trace := graph.RequestID(ctx), traceID(ctx)
	if id != "" || trace != "" {
		r = r.Clone()
		if id != "" {
			r.AddAttrs(slog.String("requestId", id))
		}
		if trace != "" {
			r.AddAttrs(slog.String("traceId", trace))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// requestIDExtension returns the extensions an error the middleware writes for r adds to its
// code: the request's id, for an INTERNAL_SERVER_ERROR (see withRequestID).
func requestIDExtension(r *http.Request) map[string]any {
	if id := graph.RequestID(r.Context()); id != "" {
		return map[string]any{"requestId": id}
	}
	return nil
}
