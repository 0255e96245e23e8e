package graph_test

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// TestHandler_requestsNoTransportServes covers what the endpoint refuses before or instead of
// running an operation: each refusal a JSON error with code BAD_REQUEST, none hanging.
func TestHandler_requestsNoTransportServes(t *testing.T) {
	e := newEnv(t)
	url := e.srv.URL + "/graphql"
	get := func(q string, extra ...string) string {
		v := neturl.Values{"query": {q}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return url + "?" + v.Encode()
	}
	tests := []struct {
		name        string
		method, url string
		contentType string
		upgrade     string
		body        string
		wantStatus  int
		wantMessage string // a part of the error's message
	}{
		{name: "another method", method: http.MethodPut, url: url, contentType: "application/json", body: `{"query":"{ status { head } }"}`,
			wantStatus: http.StatusMethodNotAllowed, wantMessage: "method PUT not allowed"},
		// The client chooses the method, up to the header limit: the refusal quotes its start.
		{name: "a method of 10,000 characters", method: strings.Repeat("M", 10_000), url: url,
			wantStatus: http.StatusMethodNotAllowed, wantMessage: "method " + strings.Repeat("M", 32) + "… not allowed"},
		{name: "a POST that is not JSON", method: http.MethodPost, url: url, contentType: "text/plain", body: `{"query":"{ status { head } }"}`,
			wantStatus: http.StatusUnsupportedMediaType, wantMessage: "Content-Type: application/json"},
		{name: "a POST with another Upgrade", method: http.MethodPost, url: url, contentType: "application/json", body: `{"query":"{ status { head } }"}`,
			upgrade: "foo/1", wantStatus: http.StatusBadRequest, wantMessage: "the Upgrade header names no protocol this endpoint serves"},
		{name: "a GET with another Upgrade", method: http.MethodGet, url: get(`{ status { head } }`),
			upgrade: "h2c, foo/1", wantStatus: http.StatusBadRequest, wantMessage: "the Upgrade header names no protocol this endpoint serves"},
		{name: "a body that is not a GraphQL request", method: http.MethodPost, url: url, contentType: "application/json", body: `{"query": 5, "secret": "do not echo"}`,
			wantStatus: http.StatusBadRequest, wantMessage: `the body is not a GraphQL request: "query" must be a string`},
		// A common client mistake, which the general shape alone did not point at.
		{name: "variables sent as a string of JSON", method: http.MethodPost, url: url, contentType: "application/json",
			body:       `{"query": "query($id: ID!) { restaurant(id: $id) { name } }", "variables": "{\"id\":\"r1\"}"}`,
			wantStatus: http.StatusBadRequest, wantMessage: `the body is not a GraphQL request: "variables" must be a JSON object, not a string`},
		{name: "extensions that are a list", method: http.MethodPost, url: url, contentType: "application/json", body: `{"query": "{ status { head } }", "extensions": []}`,
			wantStatus: http.StatusBadRequest, wantMessage: `the body is not a GraphQL request: "extensions" must be an object`},
		{name: "an operationName that is a number", method: http.MethodPost, url: url, contentType: "application/json", body: `{"query": "{ status { head } }", "operationName": 1}`,
			wantStatus: http.StatusBadRequest, wantMessage: `the body is not a GraphQL request: "operationName" must be a string`},
		{name: "an empty body", method: http.MethodPost, url: url, contentType: "application/json",
			wantStatus: http.StatusBadRequest, wantMessage: "the body is not a GraphQL request"},
		{name: "a body with text after the request", method: http.MethodPost, url: url, contentType: "application/json", body: `{"query":"{ status { head } }"} xyz`,
			wantStatus: http.StatusBadRequest, wantMessage: "the body is not a GraphQL request"},
		{name: "a body of two requests", method: http.MethodPost, url: url, contentType: "application/json",
			body:       `{"query":"mutation { createRestaurant(input: {id: \"glued\", name: \"A\", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: \"m1\", name: \"B\", price: \"1.00\"}]}}) { id } }"}{"query":"{ status { head } }"}`,
			wantStatus: http.StatusBadRequest, wantMessage: "the body is not a GraphQL request"},
		{name: "GET variables with text after the object", method: http.MethodGet, url: get(`query($id: ID!) { restaurant(id: $id) { name } }`, "variables", `{"id":"r1"} x`),
			wantStatus: http.StatusBadRequest, wantMessage: "variables parameter must be a JSON object"},
		{name: "a mutation over GET", method: http.MethodGet, url: get(`mutation { markOrderAsPrepared(input: {id: "o1"}) { id } }`),
			wantStatus: http.StatusMethodNotAllowed, wantMessage: "GET serves queries only"},
		{name: "GET variables that are not an object", method: http.MethodGet, url: get(`query($id: ID!) { restaurant(id: $id) { name } }`, "variables", `["r1"]`),
			wantStatus: http.StatusBadRequest, wantMessage: "variables parameter must be a JSON object"},
		{name: "GET extensions that are not JSON", method: http.MethodGet, url: get(`{ status { head } }`, "extensions", `{`),
			wantStatus: http.StatusBadRequest, wantMessage: "extensions parameter must be a JSON object"},
		{name: "a mutation over GET whose variables do not fit", method: http.MethodGet, url: get(`mutation($id: ID!) { markOrderAsPrepared(input: {id: $id}) { id } }`, "variables", `{"id": [1]}`),
			wantStatus: http.StatusMethodNotAllowed, wantMessage: "GET serves queries only"},
		{name: "a mutation over GET that does not validate", method: http.MethodGet, url: get(`mutation { markOrderAsPrepared(input: {id: "o1"}) { nosuchfield } }`),
			wantStatus: http.StatusMethodNotAllowed, wantMessage: "GET serves queries only"},
		{name: "a subscription over POST", method: http.MethodPost, url: url, contentType: "application/json", body: `{"query":"subscription { events { id } }"}`,
			wantStatus: http.StatusOK, wantMessage: "a subscription needs a WebSocket"},
		{name: "a subscription over GET", method: http.MethodGet, url: get(`subscription { events { id } }`),
			wantStatus: http.StatusMethodNotAllowed, wantMessage: "GET serves queries only: a subscription needs a WebSocket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(testContext(t), tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.upgrade != "" {
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", tt.upgrade)
			}
			resp, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var r struct {
				Data   json.RawMessage
				Errors []struct {
					Message    string
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("status %d, body %s: %v", resp.StatusCode, b, err)
			}
			if resp.StatusCode != tt.wantStatus || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "BAD_REQUEST" ||
				!strings.Contains(r.Errors[0].Message, tt.wantMessage) {
				t.Fatalf("got status %d, body %s; want status %d and one BAD_REQUEST error saying %q", resp.StatusCode, b, tt.wantStatus, tt.wantMessage)
			}
			if strings.Contains(string(b), "do not echo") || strings.Contains(string(b), "RawParams") {
				t.Errorf("the error quotes the body or Go types: %s", b)
			}
			if tt.method == http.MethodPut && resp.Header.Get("Allow") != "OPTIONS, GET, POST" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
			if tt.method == http.MethodGet && tt.wantStatus == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", resp.Header.Get("Allow"))
			}
			if cc := resp.Header.Get("Cache-Control"); tt.method == http.MethodGet && tt.upgrade == "" && cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store: a cache must not keep a refusal (a 405 is cacheable by default)", cc)
			}
		})
	}

	// curl --http2 on an http:// URL offers h2c with each request: served as HTTP/1.1, as
	// net/http serves it (it was refused with 400, the endpoint taking it for a handshake).
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run("a "+method+" that offers h2c only is served", func(t *testing.T) {
			target, body := url, strings.NewReader(`{"query":"{ status { head } }"}`)
			if method == http.MethodGet {
				target, body = get(`{ status { head } }`), strings.NewReader("")
			}
			req, err := http.NewRequestWithContext(testContext(t), method, target, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Connection", "Upgrade, HTTP2-Settings")
			req.Header.Set("Upgrade", "H2C")
			req.Header.Set("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA")
			resp, err := e.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"head"`) || strings.Contains(string(b), "errors") {
				t.Fatalf("status %d, body %s; want 200 with the status", resp.StatusCode, b)
			}
		})
	}

	t.Run("the first of two requests glued in one body did not run", func(t *testing.T) {
		if _, r := e.post(t, `{"query":"{ restaurant(id: \"glued\") { id } }"}`, nil); string(r.Data) != `{"restaurant":null}` {
			t.Fatalf("got %s, want no restaurant glued", r.Data)
		}
	})

	t.Run("HEAD is 405 with the Allow header", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodHead, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "OPTIONS, GET, POST" {
			t.Fatalf("HEAD: %d, Allow %q; want 405 and OPTIONS, GET, POST", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})

	t.Run("a query over GET is still served", func(t *testing.T) {
		resp, err := e.http.Get(get(`query($x: Int64) { status { head } events(afterPosition: $x) { id } }`, "variables", `{"x": 0}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"head":0`) || strings.Contains(string(b), "errors") {
			t.Fatalf("got %d %s", resp.StatusCode, b)
		}
	})
}

// TestHandler_badBodies checks the bodies refused before gqlgen reads them: a Server-Sent
// Events request whose body is not a GraphQL request (which gqlgen would log, whole, with the
// standard logger) and a body whose Content-Length is over the limit.
func TestHandler_badBodies(t *testing.T) {
	logged, prev := &syncbuf.Buffer{}, log.Writer()
	log.SetOutput(logged) // gqlgen's transports log with the standard logger
	t.Cleanup(func() { log.SetOutput(prev) })

	e := newEnv(t, withConfig(graph.Config{MaxBodyBytes: 200}))
	post := func(t *testing.T, body string, header map[string]string) (int, string) {
		t.Helper()
		resp, b := e.postRaw(t, body, header)
		return resp.StatusCode, string(b)
	}
	sse := map[string]string{"Accept": "text/event-stream"}

	for _, body := range []string{`{"query": ["private"]}`, `not json at all, private`, ``, `{"query":"subscription { events { id } }"} private`} {
		status, b := post(t, body, sse)
		if status != http.StatusBadRequest || !strings.Contains(b, `"code":"BAD_REQUEST"`) || strings.Contains(b, "private") {
			t.Errorf("SSE body %q: got %d %s, want 400 BAD_REQUEST without the body", body, status, b)
		}
	}
	big := `{"query":"{ status { head } }","variables":{"pad":"` + strings.Repeat("x", 300) + `"}}`
	for name, header := range map[string]map[string]string{"POST": nil, "SSE": sse} {
		status, b := post(t, big, header)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(b, `"code":"BAD_USER_INPUT"`) || !strings.Contains(b, "the limit is 200 bytes") {
			t.Errorf("%s over the limit: got %d %s, want 413 BAD_USER_INPUT", name, status, b)
		}
	}
	if status, b := post(t, `{"query":"subscription { events(afterPosition: 0, types: [\"None\"]) { id } }"}`, nil); status != http.StatusOK || !strings.Contains(b, "BAD_REQUEST") {
		t.Errorf("a subscription over POST: %d %s", status, b)
	}
	if s := logged.String(); s != "" {
		t.Errorf("the standard logger got %q", s)
	}
}

// TestHandler_POSTBodyDecoders checks that a body the endpoint's fast decoder takes and one
// it leaves to encoding/json, as gqlgen decodes bodies (here: the same request with "Query"
// spelled otherwise, which encoding/json matches case-insensitively), get the same answer:
// status, content type and body, for results and for errors, whatever the client accepts.
func TestHandler_POSTBodyDecoders(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{MaxBodyBytes: 300}))
	post := func(t *testing.T, body io.Reader, accept string) (int, string, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, e.srv.URL+"/graphql", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	queries := []string{
		`{ status { head } }`,
		`{ nope }`,    // fails validation
		`{ status { `, // fails parsing
		`query A { status { head } } query B { status { head } }`, // no operation chosen
	}
	accepts := []string{"", "application/json", "application/graphql-response+json", "*/*", "text/html, application/*;q=0.9", "text/html"}
	for _, q := range queries {
		for _, accept := range accepts {
			quoted, _ := json.Marshal(q)
			fs, fct, fb := post(t, strings.NewReader(`{"query":`+string(quoted)+`}`), accept)
			gs, gct, gb := post(t, strings.NewReader(`{"Query":`+string(quoted)+`}`), accept)
			if fs != gs || fct != gct || fb != gb {
				t.Errorf("%q, Accept %q:\n ours   %d %s %s\n gqlgen %d %s %s", q, accept, fs, fct, fb, gs, gct, gb)
			}
		}
	}
	t.Run("a body sent without a length and over the limit gets 413", func(t *testing.T) {
		body := `{"query":"{ status { head } }","variables":{"pad":"` + strings.Repeat("x", 400) + `"}}`
		status, _, b := post(t, io.MultiReader(strings.NewReader(body)), "")
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(b, `"code":"BAD_USER_INPUT"`) || !strings.Contains(b, "the limit is 300 bytes") {
			t.Errorf("got %d %s, want 413 BAD_USER_INPUT", status, b)
		}
	})
	t.Run("a body that is not a GraphQL request gets 400 without being quoted", func(t *testing.T) {
		for _, body := range []string{`not json, private`, `{"query": ["private"]}`, `{"query": "{ status { head } }", "variables": "private"}`} {
			for _, accept := range []string{"", "application/graphql-response+json"} {
				status, ct, b := post(t, strings.NewReader(body), accept)
				want := "application/json"
				if accept != "" {
					want = accept
				}
				if status != http.StatusBadRequest || ct != want || !strings.Contains(b, `"code":"BAD_REQUEST"`) || strings.Contains(b, "private") {
					t.Errorf("%q, Accept %q: got %d %s %s, want 400 %s BAD_REQUEST", body, accept, status, ct, b, want)
				}
			}
		}
	})
}
