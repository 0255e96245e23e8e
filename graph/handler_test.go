package graph_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func TestHandler_WebSocketOriginCheck(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{AllowedOrigins: []string{"https://app.example.com"}}))
	e.create(t, restaurantInput("r1", "a"))
	tests := []struct {
		origin string
		allow  bool
	}{
		{"", true}, // not a browser
		{e.srv.URL, true},
		{"http://localhost:3000", true},
		{"http://app.localhost:3000", true}, // RFC 6761: browsers resolve it to loopback
		{"http://localhost.evil.example", false},
		{"http://127.0.0.1:5173", true},
		{"https://app.example.com", true},
		{"https://evil.example.com", false},
		{"null", false},
	}
	for _, tt := range tests {
		name := "origin " + tt.origin
		if tt.allow {
			name += " is allowed"
		} else {
			name += " is refused"
		}
		t.Run(name, func(t *testing.T) {
			var opts []graphtest.Option
			opts = append(opts, graphtest.WithHTTPClient(e.http))
			if tt.origin != "" {
				opts = append(opts, graphtest.WithHeader("Origin", tt.origin))
			}
			c := graphtest.New(e.client.URL(), opts...)
			sub, err := c.SubscribeWS(testContext(t), graphtest.TransportWS, `subscription { restaurantChanged(id: "r1") { version } }`, nil)
			if !tt.allow {
				if err == nil {
					_ = sub.Close()
					t.Fatal("the WebSocket was accepted")
				}
				if !strings.Contains(err.Error(), "403") {
					t.Fatalf("got %v, want 403 Forbidden", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Close()
			var got struct{ RestaurantChanged restaurantOut }
			next(t, sub, &got)
			if got.RestaurantChanged.Version != 1 {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestHandler_Introspection(t *testing.T) {
	const q = `{ __schema { queryType { name } } }`
	t.Run("on by default", func(t *testing.T) {
		e := newEnv(t)
		e.must(t, q, nil, nil)
	})
	t.Run("off when disabled", func(t *testing.T) {
		e := newEnv(t, withConfig(graph.Config{DisableIntrospection: true}))
		if r := e.do(t, q, nil); len(r.Errors) == 0 {
			t.Fatalf("introspection answered: %s", r.Data)
		}
	})
}

func TestHandler_Limits(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{MaxBodyBytes: 4096, WebSocketReadLimit: 4096}))
	big := map[string]any{"in": restaurantInput("r1", "a")}
	big["in"].(map[string]any)["name"] = strings.Repeat("x", 8000)

	t.Run("a request body over the limit is refused and writes nothing", func(t *testing.T) {
		r, err := e.client.Query(testContext(t), createRestaurant, big)
		if err == nil && len(r.Errors) == 0 {
			t.Fatalf("accepted: %s", r.Data)
		}
		if e.head(t) != 0 {
			t.Fatal("it wrote")
		}
	})
	t.Run("a WebSocket message over the read limit closes the connection", func(t *testing.T) {
		sub, err := e.client.SubscribeWS(testContext(t), graphtest.TransportWS, `subscription($x: String) { events { id } }`, map[string]any{"x": strings.Repeat("y", 8000)})
		if err != nil {
			return // refused during setup
		}
		defer sub.Close()
		if _, err := sub.Next(testContext(t)); err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want the connection closed", err)
		}
	})
	t.Run("OPTIONS is answered", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, e.client.URL(), nil)
		res, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 300 || !strings.Contains(res.Header.Get("Allow"), "POST") {
			t.Fatalf("status %d allow %q", res.StatusCode, res.Header.Get("Allow"))
		}
	})
}

// TestHandler_OriginPolicy: which browser origins the endpoint serves (CORS), besides those
// TestHandler_WebSocketOriginCheck dials: an allowed origin configured with a trailing
// slash, the server's own host under a name that is not loopback (a deployment behind its
// domain), and no private or public IP address but loopback's. A bare OPTIONS from an
// allowed origin is no preflight: the endpoint answers it as without an Origin.
func TestHandler_OriginPolicy(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{AllowedOrigins: []string{"https://app.example.com/"}}))
	tests := []struct {
		name, method, host, origin string
		preflight                  bool
		wantStatus                 int
	}{
		{name: "an allowed origin configured with a trailing slash", method: http.MethodPost, origin: "https://app.example.com", wantStatus: http.StatusOK},
		{name: "the server's own host, not loopback", method: http.MethodPost, host: "api.example.com:8080", origin: "http://api.example.com:8080", wantStatus: http.StatusOK},
		{name: "the server's host on another port", method: http.MethodPost, host: "api.example.com:8080", origin: "http://api.example.com:9090", wantStatus: http.StatusForbidden},
		{name: "a private IP address", method: http.MethodPost, origin: "http://10.0.0.7:3000", wantStatus: http.StatusForbidden},
		{name: "a public IP address", method: http.MethodPost, origin: "http://203.0.113.9", wantStatus: http.StatusForbidden},
		{name: "IPv6 loopback", method: http.MethodPost, origin: "http://[::1]:3000", wantStatus: http.StatusOK},
		{name: "a name that starts with localhost", method: http.MethodPost, origin: "http://localhost.evil.example", wantStatus: http.StatusForbidden},
		{name: "a preflight from an allowed origin", method: http.MethodOptions, origin: "https://app.example.com", preflight: true, wantStatus: http.StatusNoContent},
		{name: "a bare OPTIONS from an allowed origin", method: http.MethodOptions, origin: "https://app.example.com", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader(`{"query": "{ status { head } }"}`)
			}
			req, err := http.NewRequestWithContext(testContext(t), tt.method, e.client.URL(), body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", tt.origin)
			if tt.preflight {
				req.Header.Set("Access-Control-Request-Method", http.MethodPost)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			res, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, b)
			}
			acao := res.Header.Get("Access-Control-Allow-Origin")
			switch {
			case tt.wantStatus == http.StatusForbidden:
				if acao != "" || !strings.Contains(string(b), graph.CodeOriginNotAllowed) {
					t.Errorf("refused with Access-Control-Allow-Origin %q and body %s, want none and %s", acao, b, graph.CodeOriginNotAllowed)
				}
			case acao != tt.origin:
				t.Errorf("Access-Control-Allow-Origin %q, want %q", acao, tt.origin)
			case !tt.preflight && res.Header.Get("Access-Control-Expose-Headers") != graph.RequestIDHeader:
				// A page reads no other header without it: the request's id among them.
				t.Errorf("Access-Control-Expose-Headers %q, want %s", res.Header.Get("Access-Control-Expose-Headers"), graph.RequestIDHeader)
			}
			if preflight := res.Header.Get("Access-Control-Allow-Methods") != ""; tt.method == http.MethodOptions && preflight != tt.preflight {
				t.Errorf("answered as a preflight: %v, want %v (Allow %q)", preflight, tt.preflight, res.Header.Get("Allow"))
			}
		})
	}
}
