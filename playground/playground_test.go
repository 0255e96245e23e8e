package playground_test

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/playground"
)

// newServer serves a playground for "/graphql" on a loopback test server.
func newServer(tb testing.TB, opts ...playground.Option) *httptest.Server {
	tb.Helper()
	h, err := playground.New("/graphql", opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// get fetches url and returns the response and its body.
func get(tb testing.TB, url string) (*http.Response, []byte) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp, body
}

// resource is a script or style sheet the page loads.
type resource struct {
	url, integrity string
}

var (
	tagRe       = regexp.MustCompile(`(?s)<(script|link)\b[^>]*>`)
	urlAttrRe   = regexp.MustCompile(`\b(?:src|href)="([^"]*)"`)
	integrityRe = regexp.MustCompile(`\bintegrity="([^"]*)"`)
)

// resources returns every script and link the page refers to.
func resources(tb testing.TB, page string) []resource {
	tb.Helper()
	var rs []resource
	for _, tag := range tagRe.FindAllString(page, -1) {
		m := urlAttrRe.FindStringSubmatch(tag)
		if m == nil || strings.HasPrefix(m[1], "data:") {
			continue // an inline script, or the page's empty icon
		}
		r := resource{url: html.UnescapeString(m[1])}
		if i := integrityRe.FindStringSubmatch(tag); i != nil {
			r.integrity = html.UnescapeString(i[1])
		}
		rs = append(rs, r)
	}
	return rs
}

func sri(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestHandler_pageLoadsOnlyLocalAssets(t *testing.T) {
	tests := []struct {
		name     string
		opts     []playground.Option
		wantRefs int
	}{
		{name: "with the explorer plugin", wantRefs: 6},
		{name: "without the explorer plugin", opts: []playground.Option{playground.WithExplorer(false)}, wantRefs: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.opts...)
			resp, body := get(t, srv.URL+"/")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /: status %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("GET /: Content-Type %q, want text/html", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("GET /: Content-Security-Policy %q, want default-src 'self'", csp)
			}
			page := string(body)
			for _, bad := range []string{"cdn.", "unpkg", "https://", "http://"} {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q, want only local references", bad)
				}
			}
			refs := resources(t, page)
			if len(refs) != tt.wantRefs {
				t.Fatalf("page refers to %d scripts and style sheets, want %d: %v", len(refs), tt.wantRefs, refs)
			}
			for _, r := range refs {
				if !strings.HasPrefix(r.url, playground.AssetsPrefix) {
					t.Errorf("page loads %q, want a path below %s", r.url, playground.AssetsPrefix)
					continue
				}
				resp, body := get(t, srv.URL+r.url)
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: status %d, want 200", r.url, resp.StatusCode)
					continue
				}
				want := "text/javascript; charset=utf-8"
				if strings.HasSuffix(r.url, ".css") {
					want = "text/css; charset=utf-8"
				}
				if ct := resp.Header.Get("Content-Type"); ct != want {
					t.Errorf("GET %s: Content-Type %q, want %q", r.url, ct, want)
				}
				if got := sri(body); got != r.integrity {
					t.Errorf("GET %s: body hash %s, page's integrity %s", r.url, got, r.integrity)
				}
			}
		})
	}
}

// TestHandler_assetsAreTheUpstreamFiles checks that the embedded files are the
// very files gqlgen v0.17.98 loads from the CDN: same hashes as its defaults.
func TestHandler_assetsAreTheUpstreamFiles(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		path, integrity string
	}{
		{"graphiql@4.1.2/graphiql.min.js", "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="},
		{"graphiql@4.1.2/graphiql.min.css", "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="},
		{"react@18.2.0/react.production.min.js", "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="},
		{"react-dom@18.2.0/react-dom.production.min.js", "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="},
		{"plugin-explorer@4.0.6/index.umd.js", "sha256-UM8sWOS0Xa9yLY85q6Clh0pF4qpxX+TOcJ41flECqBs="},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+playground.AssetsPrefix+tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := sri(body); got != tt.integrity {
				t.Errorf("hash %s, want upstream %s", got, tt.integrity)
			}
		})
	}
}

func TestHandler_rejects(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"an unknown path", http.MethodGet, "/nope", http.StatusNotFound},
		{"an unknown asset", http.MethodGet, playground.AssetsPrefix + "nope.js", http.StatusNotFound},
		{"a file that is not a script or style sheet", http.MethodGet, playground.AssetsPrefix + "README.md", http.StatusNotFound},
		{"a license file", http.MethodGet, playground.AssetsPrefix + "graphiql@4.1.2/LICENSE", http.StatusNotFound},
		{"a path escaping the assets", http.MethodGet, playground.AssetsPrefix + "..%2fplayground.go", http.StatusNotFound},
		{"the assets directory", http.MethodGet, playground.AssetsPrefix, http.StatusNotFound},
		{"a POST", http.MethodPost, "/", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestHandler_pageUsesEndpoint(t *testing.T) {
	srv := newServer(t, playground.WithTitle("my title"))
	_, body := get(t, srv.URL+"/")
	page := string(body)
	for _, want := range []string{"<title>my title</title>", `"/graphql"`, "subscriptionUrl"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestNew_emptyEndpoint(t *testing.T) {
	if _, err := playground.New(""); err == nil {
		t.Fatal("New(\"\"): nil error, want one")
	}
}

// TestHandler_headersKeptPrivate: what a user types in the Headers tab (a bearer token) is
// written neither into the page's URL nor into the browser's storage, with or without the
// editor's state in the URL.
func TestHandler_headersKeptPrivate(t *testing.T) {
	for _, stateInURL := range []bool{true, false} {
		_, body := get(t, newServer(t, playground.WithStateInURL(stateInURL)).URL+"/")
		page := string(body)
		if !strings.Contains(page, "shouldPersistHeaders: false") || strings.Contains(page, "shouldPersistHeaders: true") {
			t.Errorf("state in URL %v: GraphiQL keeps the headers in local storage", stateInURL)
		}
		if strings.Contains(page, "parameters.headers = ") {
			t.Errorf("state in URL %v: the page copies the headers into its URL", stateInURL)
		}
		if stateInURL && !strings.Contains(page, "parameters.query = query") {
			t.Errorf("the page no longer keeps the query in its URL")
		}
	}
}

// TestHandler_pageHasAnIcon: the page names an icon of its own (empty), so that a browser
// does not ask for /favicon.ico, which the server does not serve.
func TestHandler_pageHasAnIcon(t *testing.T) {
	_, body := get(t, newServer(t).URL+"/")
	if !strings.Contains(string(body), `<link rel="icon" href="data:,">`) {
		t.Fatal("no icon: a browser asks for /favicon.ico and logs a 404")
	}
}
