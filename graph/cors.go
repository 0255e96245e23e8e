package graph

import (
	"encoding/json"
	"net/http"
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
			writeJSONError(w, http.StatusForbidden, CodeOriginNotAllowed,
				"origin "+origin+" is not allowed (see --allowed-origins)")
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeJSONError writes a GraphQL-style error response ({"errors": [{"message",
// "extensions": {"code"}}]}) with the HTTP status.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
