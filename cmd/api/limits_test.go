package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestCORS(t *testing.T) {
	const app = "https://app.example.com"
	open, _ := startMain(t, "--store", "memory", "--allowed-origins", app)
	strict, _ := startMain(t, "--store", "memory")
	preflight := func(origin string) map[string]string {
		return map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "authorization, content-type"}
	}
	query := gqlBody(t, `{ status { head } }`, nil)
	tests := []struct {
		name       string
		m          *Main
		method     string
		body       string
		header     map[string]string
		wantStatus int
		wantACAO   string // Access-Control-Allow-Origin
		wantCode   string
	}{
		{name: "a preflight from an allowed origin is answered", m: open, method: http.MethodOptions, header: preflight(app),
			wantStatus: http.StatusNoContent, wantACAO: app},
		{name: "a preflight from another origin is refused", m: open, method: http.MethodOptions, header: preflight("https://evil.example"),
			wantStatus: http.StatusForbidden, wantCode: "ORIGIN_NOT_ALLOWED"},
		{name: "a request from an allowed origin is served with CORS headers", m: open, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": app}, wantStatus: http.StatusOK, wantACAO: app},
		{name: "a request from another origin is refused", m: open, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": "https://evil.example"}, wantStatus: http.StatusForbidden, wantCode: "ORIGIN_NOT_ALLOWED"},
		{name: "by default a request from another origin is refused", m: strict, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": app}, wantStatus: http.StatusForbidden, wantCode: "ORIGIN_NOT_ALLOWED"},
		{name: "by default a preflight from another origin is refused", m: strict, method: http.MethodOptions, header: preflight(app),
			wantStatus: http.StatusForbidden, wantCode: "ORIGIN_NOT_ALLOWED"},
		{name: "a same-origin request is served", m: strict, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": strict.URL()}, wantStatus: http.StatusOK, wantACAO: strict.URL()},
		{name: "a page on a loopback name (a dev server) is served", m: strict, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": "http://app.localhost:5173"}, wantStatus: http.StatusOK, wantACAO: "http://app.localhost:5173"},
		{name: "a name that only starts as localhost is refused", m: strict, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": "http://localhost.evil.example"}, wantStatus: http.StatusForbidden, wantCode: "ORIGIN_NOT_ALLOWED"},
		{name: "a request without Origin is served without CORS headers", m: strict, method: http.MethodPost, body: query,
			wantStatus: http.StatusOK},
		{name: "a null origin is refused", m: strict, method: http.MethodPost, body: query,
			header: map[string]string{"Origin": "null"}, wantStatus: http.StatusForbidden, wantCode: "ORIGIN_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := send(t, tt.method, tt.m.URL()+"/graphql", tt.body, tt.header)
			if x.status != tt.wantStatus || x.code() != tt.wantCode {
				t.Fatalf("status %d code %q, want %d %q: %s", x.status, x.code(), tt.wantStatus, tt.wantCode, x.body)
			}
			if got := x.header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.wantACAO)
			}
			if x.header.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials allowed")
			}
			if tt.method == http.MethodOptions && tt.wantStatus == http.StatusNoContent {
				if h := strings.ToLower(x.header.Get("Access-Control-Allow-Headers")); !strings.Contains(h, "authorization") || !strings.Contains(h, "content-type") || !strings.Contains(h, "last-event-id") {
					t.Errorf("Access-Control-Allow-Headers %q", h)
				}
				if !strings.Contains(x.header.Get("Access-Control-Allow-Methods"), "POST") {
					t.Errorf("Access-Control-Allow-Methods %q", x.header.Get("Access-Control-Allow-Methods"))
				}
			}
		})
	}
}

func TestIntrospectionAndPlayground(t *testing.T) {
	const introspect = `{ __schema { queryType { name } } }`
	on, _ := startMain(t, "--store", "memory")
	off, _ := startMain(t, "--store", "memory", "--introspection=false", "--playground=false")
	t.Run("introspection is on by default", func(t *testing.T) {
		if x := send(t, http.MethodPost, on.URL()+"/graphql", gqlBody(t, introspect, nil), nil); x.code() != "" || !strings.Contains(string(x.body), `"Query"`) {
			t.Fatalf("status %d: %s", x.status, x.body)
		}
	})
	t.Run("--introspection=false refuses introspection", func(t *testing.T) {
		x := send(t, http.MethodPost, off.URL()+"/graphql", gqlBody(t, introspect, nil), nil)
		if x.code() != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(string(x.body), `"Query"`) {
			t.Fatalf("status %d code %q: %s", x.status, x.code(), x.body)
		}
	})
	t.Run("--introspection=false refuses introspection through a fragment", func(t *testing.T) {
		q := `query { ...F } fragment F on Query { __type(name: "Query") { name } }`
		if x := send(t, http.MethodPost, off.URL()+"/graphql", gqlBody(t, q, nil), nil); x.code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("status %d code %q: %s", x.status, x.code(), x.body)
		}
	})
	t.Run("--introspection=false still serves queries", func(t *testing.T) {
		if x := send(t, http.MethodPost, off.URL()+"/graphql", gqlBody(t, `{ status { head } }`, nil), nil); x.status != http.StatusOK || x.code() != "" {
			t.Fatalf("status %d: %s", x.status, x.body)
		}
	})
	t.Run("the playground is served by default", func(t *testing.T) {
		if resp, body := httpGet(t, on.URL()+"/"); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "graphiql") {
			t.Fatalf("GET /: %d", resp.StatusCode)
		}
	})
	t.Run("--playground=false serves no playground", func(t *testing.T) {
		if resp, _ := httpGet(t, off.URL()+"/"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET /: %d, want 404", resp.StatusCode)
		}
	})
}

func TestDepthLimit(t *testing.T) {
	limited, _ := startMain(t, "--store", "memory", "--max-depth", "3")
	unlimited, _ := startMain(t, "--store", "memory", "--max-depth", "0")
	byDefault, _ := startMain(t, "--store", "memory")
	const (
		depth3   = `{ restaurants { nodes { name } } }`
		depth5   = `{ restaurants { nodes { menu { menuItems { name } } } } }`
		fragment = `query { restaurants { ...Page } } fragment Page on RestaurantConnection { nodes { menu { cuisine } } }`
		inline   = `query { restaurants { ... on RestaurantConnection { nodes { ... on Restaurant { menu { cuisine } } } } } }`
		schema   = `{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`
	)
	tests := []struct {
		name     string
		m        *Main
		query    string
		wantCode string
	}{
		{"a query within the limit is served", limited, depth3, ""},
		{"a deeper query is refused", limited, depth5, "DEPTH_LIMIT_EXCEEDED"},
		{"depth counts through fragments", limited, fragment, "DEPTH_LIMIT_EXCEEDED"},
		{"depth counts through inline fragments", limited, inline, "DEPTH_LIMIT_EXCEEDED"},
		{"introspection is not limited by depth", limited, schema, ""},
		{"a deeper subscription is refused", limited, `subscription { restaurantChanged(id: "r1") { menu { menuItems { name } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"--max-depth=0 lifts the limit", unlimited, depth5, ""},
		{"the default limit serves the schema's deepest query", byDefault, depth5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := map[string]string{}
			if strings.HasPrefix(tt.query, "subscription") {
				header["Accept"] = "text/event-stream"
			}
			x := send(t, http.MethodPost, tt.m.URL()+"/graphql", gqlBody(t, tt.query, nil), header)
			if x.code() != tt.wantCode {
				t.Fatalf("code %q, want %q: %s", x.code(), tt.wantCode, x.body)
			}
			if tt.wantCode != "" && !strings.Contains(x.gql.Errors[0].Message, "depth") {
				t.Errorf("message %q does not name the depth", x.gql.Errors[0].Message)
			}
		})
	}
}

// TestEventsBytesLimit: --max-events-bytes reaches the endpoint. Under a limit of one byte
// a page of the log holds its first event alone; 0 lifts the limit, and the default serves
// a small log whole.
func TestEventsBytesLimit(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want int
	}{
		{"--max-events-bytes=1", []string{"--max-events-bytes", "1"}, 1},
		{"--max-events-bytes=0 lifts the limit", []string{"--max-events-bytes", "0"}, 2},
		{"by default", nil, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := startMain(t, append([]string{"--store", "memory"}, tt.args...)...)
			c := newClient(t, m.URL()+"/graphql")
			for _, id := range []string{"r1", "r2"} {
				gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"id": id, "name": "R", "menu": menu("a")}})
			}
			page := decode[struct{ Events []struct{ Position int64 } }](t, gql(t, c, `{ events(first: 100) { position data } }`, nil)).Events
			if len(page) != tt.want {
				t.Errorf("a page of %d events; want %d", len(page), tt.want)
			}
		})
	}
}
