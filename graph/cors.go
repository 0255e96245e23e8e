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
// carry Access-Control-Allow-Origin, and Access-Control-Expose-Headers naming RequestIDHeader
// (a fetch reads no other header than a few simple ones without it). Requests without Origin (curl, servers) pass untouched.
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
			h.Set("Access-Control-Allow-Headers", allowHeaders(r.Header.Get("Access-Control-Request-Headers")))
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", RequestIDHeader)
		next.ServeHTTP(w, r)
	})
}

// corsHeaders are the request headers a preflight always allows: those the API reads
// (Last-Event-ID: a fetch-based SSE client resuming). Authorization must be named: a
// wildcard would not cover it.
const corsHeaders = "Accept, Authorization, Content-Type, Last-Event-ID"

// Bounds of the requested header names a preflight allows besides corsHeaders.
const (
	maxRequestedHeaders   = 32
	maxRequestedHeaderLen = 64
)

// allowHeaders returns the Access-Control-Allow-Headers of a preflight that asked for
// requested (its Access-Control-Request-Headers): corsHeaders and every other header name it
// asks for. Browser clients add headers the API does not read (Apollo Client's
// apollographql-client-name and -version, tracing's baggage, Sentry's sentry-trace; cmd/api
// records tracing's traceparent), and a browser sends no request whose preflight leaves one
// out, so a dashboard failed with a CORS error before its first query. Allowing them gives a
// page of an allowed origin nothing it could use: the server ignores them or records them,
// and credentials are never allowed. Only names that are HTTP tokens are repeated, at most maxRequestedHeaders of at
// most maxRequestedHeaderLen bytes (a browser then refuses the request, as before).
func allowHeaders(requested string) string {
	allowed := corsHeaders
	n := 0
	for name := range strings.SplitSeq(requested, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "*" || len(name) > maxRequestedHeaderLen || !isToken(name) {
			continue
		}
		switch name {
		case "accept", "authorization", "content-type", "last-event-id":
			continue
		}
		if n++; n > maxRequestedHeaders {
			break
		}
		allowed += ", " + name
	}
	return allowed
}

// isToken reports whether s is an HTTP token (RFC 9110, section 5.6.2), as header names are.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return s != ""
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
	writeErrorExtensions(w, contentType, status, map[string]any{"code": code}, message)
}

// writeErrorExtensions is writeError with the error's extensions (its code among them).
func writeErrorExtensions(w http.ResponseWriter, contentType string, status int, extensions map[string]any, message string) {
	body, _ := json.Marshal(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": extensions}},
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
