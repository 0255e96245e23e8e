package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server listening on loopback answers requests for loopback names and the hosts of
// --allowed-origins, and refuses the others: a DNS-rebound page's requests carry its own
// name. A server listening elsewhere, or allowing every origin, is left alone.
func TestGuardHost(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	tests := []struct {
		name    string
		listen  string
		origins []string
		host    string
		want    int
	}{
		{"loopback address", "127.0.0.1:8080", nil, "127.0.0.1:8080", http.StatusNoContent},
		{"localhost", "127.0.0.1:8080", nil, "localhost:8080", http.StatusNoContent},
		{"a name under localhost", "127.0.0.1:8080", nil, "app.localhost:8080", http.StatusNoContent},
		{"IPv6 loopback", "[::1]:8080", nil, "[::1]:8080", http.StatusNoContent},
		{"no port", "localhost:8080", nil, "localhost", http.StatusNoContent},
		{"a rebound name", "127.0.0.1:8080", nil, "attacker.example:8080", http.StatusForbidden},
		{"a rebound name without a port", "127.0.0.1:8080", nil, "attacker.example", http.StatusForbidden},
		{"a name like localhost", "127.0.0.1:8080", nil, "localhost.attacker.example", http.StatusForbidden},
		{"a LAN address", "127.0.0.1:8080", nil, "192.168.1.20:8080", http.StatusForbidden},
		{"an allowed origin's host", "127.0.0.1:8080", []string{"https://app.example.com"}, "app.example.com", http.StatusNoContent},
		{"an allowed origin's host in capitals", "127.0.0.1:8080", []string{"https://app.example.com"}, "APP.example.com:443", http.StatusNoContent},
		{"another host with allowed origins", "127.0.0.1:8080", []string{"https://app.example.com"}, "attacker.example", http.StatusForbidden},
		{"an allowed origin given in capitals", "127.0.0.1:8080", []string{"HTTPS://App.Example.com"}, "app.example.com", http.StatusNoContent},
		{"an allowed origin's host with a final dot", "127.0.0.1:8080", []string{"https://app.example.com"}, "app.example.com.:443", http.StatusNoContent},
		{"a loopback name with a final dot", "127.0.0.1:8080", nil, "localhost.:8080", http.StatusNoContent},
		{"a bracketed IPv6 loopback without a port", "[::1]:8080", nil, "[::1]", http.StatusNoContent},
		{"every origin allowed", "127.0.0.1:8080", []string{"*"}, "attacker.example", http.StatusNoContent},
		{"listening on every address", ":8080", nil, "attacker.example", http.StatusNoContent},
		{"listening on a LAN address", "192.168.1.20:8080", nil, "attacker.example", http.StatusNoContent},
		{"no Host header", "127.0.0.1:8080", nil, "", http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/graphql?query=%7B__typename%7D", nil)
			r.Host = tt.host
			rec := httptest.NewRecorder()
			guardHost(tt.listen, tt.origins, ok).ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d (body %s)", rec.Code, tt.want, rec.Body)
			}
			if tt.want == http.StatusForbidden {
				var body struct {
					Errors []struct {
						Extensions struct{ Code string }
					}
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != codeHostNotAllowed {
					t.Errorf("body %s, %v: want one %s error", rec.Body, err, codeHostNotAllowed)
				}
			}
		})
	}
}

// Over the real server: a mutation sent as a DNS-rebound page sends it (its own name as
// Host and as Origin) is refused and writes nothing.
func TestServer_refusesRequestsForOtherHosts(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	port := m.Addr().String()[strings.LastIndex(m.Addr().String(), ":"):]
	do := func(host, origin string) (int, string) {
		body := gqlBody(t, createRestaurant, map[string]any{"in": map[string]any{"name": "Pwned", "menu": menu("m1")}})
		req, err := http.NewRequestWithContext(testCtx(t), http.MethodPost, m.URL()+"/graphql", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := httpClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do("attacker.example"+port, "http://attacker.example"+port); code != http.StatusForbidden || !strings.Contains(body, codeHostNotAllowed) {
		t.Errorf("a rebound page's mutation: %d %s, want 403 %s", code, body, codeHostNotAllowed)
	}
	code, body := do("localhost"+port, "http://localhost"+port)
	var created struct {
		Data struct{ CreateRestaurant result }
	}
	if err := json.Unmarshal([]byte(body), &created); code != http.StatusOK || err != nil || created.Data.CreateRestaurant.Position < 1 {
		t.Fatalf("the playground's own mutation: %d %s, %v; want 200 and its position", code, body, err)
	}
	// The read models follow the log: read at the mutation's position, as a client reads
	// its own write.
	data := gql(t, newClient(t, m.URL()+"/graphql"), `query($p: Int64) { restaurants(first: 10, minPosition: $p) { nodes { name } } }`,
		map[string]any{"p": created.Data.CreateRestaurant.Position})
	if strings.Contains(string(data), "Pwned") != true || strings.Count(string(data), "Pwned") != 1 {
		t.Errorf("restaurants %s: want exactly the one allowed mutation's restaurant", data)
	}
}

// An allowed origin written with the root's final dot (what a browser sends for a page at
// https://app.example.com./) lets its host through, with or without the dot: the guard
// compares hosts as requestHost makes them.
func TestGuardHost_allowedOriginWithAFinalDot(t *testing.T) {
	if _, err := ParseConfig([]string{"--allowed-origins", "https://app.example.com."}, env(nil)); err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, host := range []string{"app.example.com.", "app.example.com", "APP.example.com.:8080"} {
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		r.Host = host
		rec := httptest.NewRecorder()
		guardHost("127.0.0.1:8080", []string{"https://app.example.com."}, ok).ServeHTTP(rec, r)
		if rec.Code != http.StatusNoContent {
			t.Errorf("Host %s: status %d, want 204 (its origin is allowed)", host, rec.Code)
		}
	}
}
