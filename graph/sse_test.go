package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// TestSSE_keepAliveAfterTheStreamEnds ends many SSE streams while their keep-alive pings are
// due. gqlgen's keep-alive goroutine outlives the request: a ping written after the handler
// returned reached a response whose buffers net/http had recycled, and the nil pointer it
// hit crashed the whole process. The handler must drop such late writes.
func TestSSE_keepAliveAfterTheStreamEnds(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{KeepAlive: 50 * time.Microsecond}))
	for range 300 {
		sub, err := e.client.SubscribeSSE(testContext(t), `subscription { events(afterPosition: 0) { position } }`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// The server still answers.
	e.must(t, `{ status { head } }`, nil, nil)
}

// TestSSE_requestErrorsHaveNoData: a request that fails before it runs is answered with its
// errors and without "data" (GraphQL leaves data out then, as POST, GET and WebSocket do;
// gqlgen's SSE transport wrote "data":null beside them), and an operation that runs keeps
// its data beside its errors.
func TestSSE_requestErrorsHaveNoData(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
	defer cancel()
	post := func(t *testing.T, body string) []sseEvent {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/graphql", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return readEvents(t, resp.Body, 2)
	}
	tests := []struct {
		name, body, code string
		data             bool
	}{
		{"a field the schema lacks", `{"query":"{ nope }"}`, "GRAPHQL_VALIDATION_FAILED", false},
		{"a variable of the wrong type", `{"query":"query($id: ID!) { restaurant(id: $id) { id } }","variables":{"id":true}}`, "BAD_USER_INPUT", false},
		{"an operation that ran into an error", `{"query":"{ restaurant(id: \"\") { id } }"}`, "BAD_USER_INPUT", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs := post(t, tt.body)
			if len(evs) != 2 || evs[0].name != "next" || evs[1].name != "complete" {
				t.Fatalf("events %+v; want next, complete", evs)
			}
			var r map[string]json.RawMessage
			if err := json.Unmarshal([]byte(evs[0].data), &r); err != nil {
				t.Fatalf("next's data %q: %v", evs[0].data, err)
			}
			var errs []struct {
				Extensions struct{ Code string } `json:"extensions"`
			}
			if err := json.Unmarshal(r["errors"], &errs); err != nil || len(errs) == 0 || errs[0].Extensions.Code != tt.code {
				t.Errorf("errors %s; want extensions.code %s", r["errors"], tt.code)
			}
			if _, ok := r["data"]; ok != tt.data {
				t.Errorf("response %s: has data %v, want %v", evs[0].data, ok, tt.data)
			}
		})
	}
}
