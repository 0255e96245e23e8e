package main

import (
	"context"
	"net/http"

	"github.com/eventgraph/eventgraph/graph"
)

// traceparentHeader is W3C Trace Context's header: the trace a request belongs to and the
// caller's span in it.
const traceparentHeader = "traceparent"

// traceIDKey is the context key of a request's trace id (withTraceparent).
type traceIDKey struct{}

// withTraceparent ties a request to the trace its caller began: when the request has one
// valid traceparent header (W3C Trace Context), every event its mutations append carries it
// in metadata (traceparent; the order saga's commands carry it on to the order they create),
// and every line logged in the request's context carries its trace id (traceId, see
// requestIDHandler). The server makes no spans of its own; a tracing system finds the
// request's lines and events by the trace id. A header that is not valid is ignored, as
// the specification asks. Over a WebSocket every operation of the connection has its
// upgrade request's trace, as it has its id.
func withTraceparent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values(traceparentHeader)
		if len(values) != 1 {
			next.ServeHTTP(w, r)
			return
		}
		tp, traceID, ok := parseTraceparent(values[0])
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		ctx := graph.WithCommandMetadata(r.Context(), map[string]string{traceparentHeader: tp})
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, traceIDKey{}, traceID)))
	})
}

// traceID returns the trace id withTraceparent put in ctx, or "".
func traceID(ctx context.Context) string {
	id, _ := ctx.Value(traceIDKey{}).(string)
	return id
}

// parseTraceparent checks a traceparent header value as W3C Trace Context (level 1) has it:
// version-traceid-parentid-flags, lowercase hex of 2, 32, 16 and 2 digits, the ids not all
// zeros, the version not ff. A version after 00 may carry more fields after a dash, which
// are dropped: tp is the value of version 00's length. traceID is its trace id.
func parseTraceparent(v string) (tp, traceID string, ok bool) {
	const size = 55 // 2 + 1 + 32 + 1 + 16 + 1 + 2
	if len(v) < size || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return "", "", false
	}
	version, trace, parent, flags := v[:2], v[3:35], v[36:52], v[53:55]
	switch {
	case !lowerHex(version) || version == "ff":
		return "", "", false
	case version == "00" && len(v) != size:
		return "", "", false
	case len(v) > size && v[size] != '-':
		return "", "", false
	case !lowerHex(trace) || allZeros(trace), !lowerHex(parent) || allZeros(parent), !lowerHex(flags):
		return "", "", false
	}
	return v[:size], trace, true
}

// lowerHex reports whether s is lowercase hexadecimal digits.
func lowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// allZeros reports whether s is zeros only, which Trace Context makes an invalid id.
func allZeros(s string) bool {
	for i := range len(s) {
		if s[i] != '0' {
			return false
		}
	}
	return true
}
