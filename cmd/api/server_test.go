package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/playground"
)

// stores are the store configurations every end-to-end test runs with.
func stores(tb testing.TB) map[string][]string {
	return map[string][]string{
		"memory store": {"--store", "memory"},
		"jsonl store":  {"--store", "jsonl", "--data", filepath.Join(tb.TempDir(), "data")},
	}
}

func TestMain_servesTheAPI(t *testing.T) {
	for name, args := range stores(t) {
		t.Run(name, func(t *testing.T) {
			m, logs := startMain(t, args...)
			if !strings.Contains(logs.String(), "listening") || !strings.Contains(logs.String(), m.Addr().String()) {
				t.Errorf("logs %q: want the address it listens on", logs.String())
			}

			resp, body := httpGet(t, m.URL()+"/healthz")
			if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
				t.Errorf("GET /healthz: %d %q, want 200 ok", resp.StatusCode, body)
			}

			c := newClient(t, m.URL()+"/graphql")
			created := decode[struct{ CreateRestaurant result }](t, gql(t, c, createRestaurant, map[string]any{
				"in": map[string]any{"id": "r1", "name": "Trattoria", "menu": menu("pasta")},
			})).CreateRestaurant
			if created.StreamID != "restaurant-r1" || created.Version != 1 || created.Position < 1 {
				t.Fatalf("createRestaurant: %+v", created)
			}
			got := decode[struct {
				Restaurant struct{ Name string }
				Status     struct{ Head int64 }
			}](t, gql(t, c, `query($p: Int64) { restaurant(id: "r1", minPosition: $p) { name } status { head } }`,
				map[string]any{"p": created.Position}))
			if got.Restaurant.Name != "Trattoria" || got.Status.Head != created.Position {
				t.Errorf("query after the write: %+v, want Trattoria at head %d", got, created.Position)
			}
		})
	}
}

var (
	resourceTagRe = regexp.MustCompile(`(?s)<(?:script|link)\b[^>]*>`)
	resourceURLRe = regexp.MustCompile(`\b(?:src|href)="([^"]*)"`)
)

func TestMain_playgroundWorksOffline(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	resp, body := httpGet(t, m.URL()+"/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s, want 200 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var urls []string
	for _, tag := range resourceTagRe.FindAllString(string(body), -1) {
		if u := resourceURLRe.FindStringSubmatch(tag); u != nil && !strings.HasPrefix(u[1], "data:") { // the empty icon is inline
			urls = append(urls, html.UnescapeString(u[1]))
		}
	}
	if len(urls) < 4 { // graphiql js+css, react, react-dom
		t.Fatalf("page loads %v, want GraphiQL, its style sheet, React and ReactDOM", urls)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, playground.AssetsPrefix) {
			t.Errorf("page loads %q: not served by the binary", u)
			continue
		}
		resp, body := httpGet(t, m.URL()+u)
		want := "text/javascript"
		if strings.HasSuffix(u, ".css") {
			want = "text/css"
		}
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) || len(body) == 0 {
			t.Errorf("GET %s: %d %q (%d bytes), want 200 %s", u, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), want)
		}
	}
	// The page's fetcher talks to /graphql over HTTP and WebSocket on the same host.
	if page := string(body); !strings.Contains(page, `"/graphql"`) || !strings.Contains(page, "subscriptionUrl") {
		t.Error("page does not point its fetcher at /graphql with a subscription URL")
	}
}

func TestMain_playgroundCanBeTurnedOff(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--playground=false")
	if resp, _ := httpGet(t, m.URL()+"/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / with --playground=false: %d, want 404", resp.StatusCode)
	}
}

func TestMain_bodyLimit(t *testing.T) {
	const limit = 4096
	m, _ := startMain(t, "--store", "memory", "--max-body-bytes", "4096")
	tests := []struct {
		name string
		size int // of the request body
		want int
	}{
		{"a request under the limit is served", limit - 100, http.StatusOK},
		{"a request over the limit is rejected", limit + 1, http.StatusRequestEntityTooLarge},
		{"a much larger request is rejected", 10 * limit, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A valid query padded with a comment up to the size.
			prefix := `{"query":"{ status { head } } #`
			body := prefix + strings.Repeat("x", tt.size-len(prefix)-2) + `"}`
			resp, err := httpClient(t).Post(m.URL()+"/graphql", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, b)
			}
			var r graphtest.Response
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("body %q: not a GraphQL response: %v", b, err)
			}
			wantCode := ""
			if tt.want != http.StatusOK {
				wantCode = "BAD_USER_INPUT"
			}
			if r.Code() != wantCode {
				t.Errorf("code %q, want %q (%s)", r.Code(), wantCode, b)
			}
		})
	}
}

// TestMain_refusalsFollowAccept: the server's own refusals before GraphQL (a body over the
// limit) come in the media type the client prefers, as the endpoint's do.
func TestMain_refusalsFollowAccept(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--max-body-bytes", "4096")
	for accept, want := range map[string]string{
		"":                                  "application/json",
		"application/json":                  "application/json",
		"application/graphql-response+json": "application/graphql-response+json",
	} {
		x := send(t, http.MethodPost, m.URL()+"/graphql", strings.Repeat(" ", 5000), map[string]string{"Accept": accept})
		if x.status != http.StatusRequestEntityTooLarge || x.header.Get("Content-Type") != want || x.code() != "BAD_USER_INPUT" {
			t.Errorf("Accept %q: %d %q %s; want 413 %q with BAD_USER_INPUT", accept, x.status, x.header.Get("Content-Type"), x.body, want)
		}
	}
}

func TestMain_defaultBodyLimitIsOneMiB(t *testing.T) {
	m, _ := startMain(t, "--store", "memory")
	resp, err := httpClient(t).Post(m.URL()+"/graphql", "application/json", strings.NewReader(strings.Repeat(" ", 1<<20+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MiB + 1 byte body: status %d, want 413", resp.StatusCode)
	}
}

func TestMain_startFailsOnALockedDataDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	startMain(t, "--data", dir)
	m := NewMain()
	m.Stderr = io.Discard
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", dir}, env(nil)); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(testCtx(t)); err == nil {
		m.Close()
		t.Fatal("a second server on the same data directory started, want an error")
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close after a failed Run: %v", err)
	}
}
