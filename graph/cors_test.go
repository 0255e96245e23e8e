package graph_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// TestHandler_PreflightAllowsTheHeadersBrowserClientsAdd: a browser sends a request only when
// its preflight's Access-Control-Allow-Headers names every header the request carries, and
// browser clients add some the API does not read: Apollo Client's client awareness headers
// (with ApolloClient's clientAwareness option), OpenTelemetry's traceparent, Sentry's
// sentry-trace and baggage. With a fixed list, every request of such a page failed CORS.
func TestHandler_PreflightAllowsTheHeadersBrowserClientsAdd(t *testing.T) {
	const app = "https://app.example.com"
	e := newEnv(t, withConfig(graph.Config{AllowedOrigins: []string{app}}))
	preflight := func(t *testing.T, origin, requested string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(testContext(t), http.MethodOptions, e.client.URL(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", requested)
		res, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	allowed := func(res *http.Response) []string {
		var names []string
		for name := range strings.SplitSeq(res.Header.Get("Access-Control-Allow-Headers"), ",") {
			names = append(names, strings.ToLower(strings.TrimSpace(name)))
		}
		return names
	}

	t.Run("every header an allowed origin's client asks for is allowed", func(t *testing.T) {
		asked := []string{"authorization", "content-type", "apollographql-client-name", "apollographql-client-version", "traceparent", "baggage", "sentry-trace"}
		res := preflight(t, app, strings.Join(asked, ","))
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("status %d, want 204", res.StatusCode)
		}
		got := allowed(res)
		for _, name := range append(asked, "accept", "last-event-id") {
			if !slices.Contains(got, name) {
				t.Errorf("Access-Control-Allow-Headers %q does not allow %s", res.Header.Get("Access-Control-Allow-Headers"), name)
			}
		}
	})
	t.Run("what is not a header name is not repeated", func(t *testing.T) {
		res := preflight(t, app, `x-ok, bad name, "quoted", *, `+strings.Repeat("x", 65))
		got := allowed(res)
		if want := []string{"accept", "authorization", "content-type", "last-event-id", "x-ok"}; !slices.Equal(got, want) {
			t.Errorf("Access-Control-Allow-Headers %v, want %v", got, want)
		}
	})
	t.Run("at most 32 names are repeated", func(t *testing.T) {
		var asked []string
		for i := range 40 {
			asked = append(asked, "x-h"+strings.Repeat("h", i))
		}
		if got := allowed(preflight(t, app, strings.Join(asked, ", "))); len(got) != 4+32 {
			t.Errorf("%d names allowed, want 4 + 32", len(got))
		}
	})
	t.Run("another origin's preflight is refused whatever it asks", func(t *testing.T) {
		res := preflight(t, "https://evil.example", "apollographql-client-name")
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Headers") != "" {
			t.Errorf("status %d, Access-Control-Allow-Headers %q, want 403 and none", res.StatusCode, res.Header.Get("Access-Control-Allow-Headers"))
		}
	})
}
