package graph_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// TestHandler_requestEndedBeforeItsOperationRan: a request whose context ends before its
// operation runs (the client went away while the server parsed and validated it) gets
// CANCELED, as one stopped midway does. gqlgen's executor answers such a request with no
// response at all, which the POST transport took for one: a nil dereference, recovered and
// logged at ERROR with a stack trace as a panic, and a 500.
func TestHandler_requestEndedBeforeItsOperationRan(t *testing.T) {
	var logs syncbuf.Buffer
	e := newEnv(t)
	h := graph.NewHandler(e.svc, graph.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, tt := range []struct{ method, query, accept string }{
		{http.MethodPost, `{ status { head } }`, ""},
		{http.MethodPost, `mutation { __typename }`, ""},
		{http.MethodGet, `{ status { head } }`, ""},
		// A response without data in this media type must have a 4xx or 5xx status
		// (GraphQL over HTTP).
		{http.MethodPost, `{ status { head } }`, "application/graphql-response+json"},
		{http.MethodGet, `{ status { head } }`, "application/graphql-response+json"},
	} {
		query := tt.method + " " + tt.query + " " + tt.accept
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var req *http.Request
		if tt.method == http.MethodGet {
			req = httptest.NewRequestWithContext(ctx, http.MethodGet, "/graphql?query="+url.QueryEscape(tt.query), nil)
		} else {
			body, _ := json.Marshal(map[string]string{"query": tt.query})
			req = httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
		}
		if tt.accept != "" {
			req.Header.Set("Accept", tt.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var resp struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) != 1 || resp.Errors[0].Extensions.Code != graph.CodeCanceled {
			t.Errorf("%s with its request ended: %d %s, want one error with code %s", query, rec.Code, rec.Body, graph.CodeCanceled)
		}
		if rec.Code == http.StatusInternalServerError {
			t.Errorf("%s with its request ended: status %d", query, rec.Code)
		}
		if tt.accept != "" && rec.Code < 400 {
			t.Errorf("%s with its request ended: status %d, want a 4xx or 5xx for a response without data", query, rec.Code)
		}
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("logged a panic:\n%s", logs.String())
	}
}
