package graph_test

import (
	"net/http"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// TestHandler_refusalMediaType: a request the endpoint refuses itself (before GraphQL) gets
// its error in the media type its Accept header prefers, as GraphQL responses do, so a client
// that reads a non-2xx body only as application/graphql-response+json (Apollo Client) sees
// the error's code.
func TestHandler_refusalMediaType(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{AuthTokens: []string{"token-0123456789abcdef"}}))
	const gqlJSON = "application/graphql-response+json"
	tests := []struct {
		name, contentType, accept, auth string
		wantStatus                      int
		wantCode, wantType              string
	}{
		{"415, graphql-response+json accepted", "text/plain", gqlJSON, "", http.StatusUnsupportedMediaType, "BAD_REQUEST", gqlJSON},
		{"415, JSON accepted", "text/plain", "application/json", "", http.StatusUnsupportedMediaType, "BAD_REQUEST", "application/json"},
		{"415, JSON preferred", "text/plain", "application/json, " + gqlJSON, "", http.StatusUnsupportedMediaType, "BAD_REQUEST", "application/json"},
		{"415, graphql-response+json preferred", "text/plain", gqlJSON + ", application/json;q=0.9", "", http.StatusUnsupportedMediaType, "BAD_REQUEST", gqlJSON},
		{"415, no Accept", "text/plain", "", "", http.StatusUnsupportedMediaType, "BAD_REQUEST", "application/json"},
		{"415, anything", "text/plain", "*/*", "", http.StatusUnsupportedMediaType, "BAD_REQUEST", "application/json"},
		{"401, graphql-response+json accepted", "application/json", gqlJSON, "Bearer not-a-token-0123456789", http.StatusUnauthorized, graph.CodeUnauthenticated, gqlJSON},
		{"401, JSON accepted", "application/json", "application/json", "Bearer not-a-token-0123456789", http.StatusUnauthorized, graph.CodeUnauthenticated, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := map[string]string{"Content-Type": tt.contentType}
			if tt.accept != "" {
				header["Accept"] = tt.accept
			}
			if tt.auth != "" {
				header["Authorization"] = tt.auth
			}
			resp, r := e.post(t, `{"query": "{ status { head } }"}`, header)
			if resp.StatusCode != tt.wantStatus || r.Code() != tt.wantCode || resp.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("got %d %s %q, want %d %s %q", resp.StatusCode, r.Code(), resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantCode, tt.wantType)
			}
		})
	}
}
