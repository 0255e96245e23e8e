package graph

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/eventgraph/eventgraph/internal/loopback"
)

// CodeOriginNotAllowed is the extensions.code of a request refused (403) because its
// browser Origin is neither the server's own, a loopback one, nor in Config.AllowedOrigins.
const CodeOriginNotAllowed = "ORIGIN_NOT_ALLOWED"

// cors applies the origin policy of Config.AllowedOrigins to every browser request (those
// with an Origin header): requests from other origins are refused with 403, CORS preflight
// requests from allowed origins are answered here (204), and responses to allowed origins
// carry Access-Control-Allow-Origin. Requests without Origin (curl, servers) pass untouched.
// Credentials (cookies) are never allowed: the API authenticates with bearer tokens.
func cors(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		if !originAllowed(r, allowed) {
			// The client's header is not echoed: it may be of any length or content.
			writeJSONError(w, r, http.StatusForbidden, CodeOriginNotAllowed,
				"the request's origin is not allowed (see --allowed-origins)")
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, Last-Event-ID") // Last-Event-ID: a fetch-based SSE client resuming
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSONError writes a GraphQL-style error response ({"errors": [{"message",
// "extensions": {"code"}}]}) to r with the HTTP status, as application/graphql-response+json
// when r's Accept header asks for that before application/json (so a client that reads a
// non-2xx GraphQL response only in that media type, as Apollo Client does, sees the error's
// code), else as application/json.
func writeJSONError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeError(w, ErrorContentType(r), status, code, message)
}

// ErrorContentType is the media type of an error response to r that is not a GraphQL
// execution's (a refusal of the request itself): application/graphql-response+json when r's
// Accept header prefers it, as negotiated for a GraphQL response, else application/json. An
// Accept header that allows neither (an SSE client's text/event-stream) gets
// application/json: the client reads such a refusal as JSON if at all, where a GraphQL
// response would take GraphQL over HTTP's default. For servers that answer such errors
// before the handler, as cmd/api does for bodies over its limit.
func ErrorContentType(r *http.Request) string {
	if typ, ok := negotiate(r); ok {
		return typ
	}
	return "application/json"
}

// writeError writes a GraphQL-style error response of the media type with the HTTP status.
func writeError(w http.ResponseWriter, contentType string, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// originAllowed reports whether r may be served: it has no Origin (not a browser's), or its
// Origin is in allowed (or allowed holds "*"), is the server's own (the request's Host), or
// is a loopback one (see loopback.Host).
func originAllowed(r *http.Request, allowed []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if slices.Contains(allowed, "*") || slices.ContainsFunc(allowed, func(a string) bool {
		return strings.EqualFold(strings.TrimSuffix(a, "/"), origin)
	}) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return loopback.Host(u.Hostname())
}
