package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// TestHandler_requestErrorStatuses checks the statuses and bodies of GraphQL over HTTP for
// requests that fail before execution, over POST and GET, for both response media types:
// with application/json a GraphQL response with status 200 (gqlgen sends 422), with
// application/graphql-response+json 400; a body without a query is no GraphQL request (400);
// a persisted query the server does not know or keep is 200 (Apollo's link stops sending
// hashes after a 400). A response without data has no data entry; an executed one has it.
// No cache may keep a GET's answer.
func TestHandler_requestErrorStatuses(t *testing.T) {
	const (
		asJSON     = "application/json"
		asResponse = "application/graphql-response+json"
		unknown    = `{"persistedQuery":{"version":1,"sha256Hash":"0000000000000000000000000000000000000000000000000000000000000000"}}`
	)
	type request struct {
		query, variables, extensions string
		noQuery                      bool
	}
	tests := []struct {
		name     string
		req      request
		config   graph.Config
		code     string // of the first error; "" for none
		json     int    // the status with Accept: application/json
		response int    // with Accept: application/graphql-response+json
		data     bool   // the response has a data entry
	}{
		{"executed", request{query: `{ status { head } }`}, graph.Config{}, "", 200, 200, true},
		{"executed, a non-null field failed: data null", request{query: `{ restaurants(after: "nope") { nodes { id } } }`}, graph.Config{}, "BAD_USER_INPUT", 200, 200, true},
		{"document parsing failure", request{query: `{ status {`}, graph.Config{}, "GRAPHQL_PARSE_FAILED", 200, 400, false},
		{"document validation failure", request{query: `{ nope }`}, graph.Config{}, "GRAPHQL_VALIDATION_FAILED", 200, 400, false},
		{"variable coercion failure", request{query: `query ($id: ID!) { restaurant(id: $id) { id } }`, variables: `{"id": null}`}, graph.Config{}, "BAD_USER_INPUT", 200, 400, false},
		{"over the complexity limit", request{query: `{ restaurants(first: 50) { nodes { id name } } }`}, graph.Config{ComplexityLimit: 2}, "COMPLEXITY_LIMIT_EXCEEDED", 200, 400, false},
		{"no query", request{noQuery: true}, graph.Config{}, "GRAPHQL_VALIDATION_FAILED", 400, 400, false},
		{"an unknown persisted query", request{noQuery: true, extensions: unknown}, graph.Config{PersistedQueries: 10}, "PERSISTED_QUERY_NOT_FOUND", 200, 200, false},
		{"persisted queries off", request{noQuery: true, extensions: unknown}, graph.Config{}, "PERSISTED_QUERY_NOT_SUPPORTED", 200, 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withConfig(tt.config))
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				for accept, want := range map[string]int{asJSON: tt.json, asResponse: tt.response} {
					req := requestFor(t, e.srv.URL+"/graphql", method, tt.req.query, tt.req.variables, tt.req.extensions, tt.req.noQuery)
					req.Header.Set("Accept", accept)
					resp, err := e.http.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if cc := resp.Header.Get("Cache-Control"); method == http.MethodGet && cc != "no-store" {
						t.Errorf("GET, Accept %s: Cache-Control %q, want no-store", accept, cc)
					}
					if resp.StatusCode != want || resp.Header.Get("Content-Type") != accept {
						t.Errorf("%s, Accept %s: got %d %s, want %d %s: %s", method, accept, resp.StatusCode, resp.Header.Get("Content-Type"), want, accept, b)
					}
					var body struct {
						Errors []struct {
							Extensions struct{ Code string } `json:"extensions"`
						} `json:"errors"`
					}
					if err := json.Unmarshal(b, &body); err != nil {
						t.Fatalf("%s, Accept %s: %v: %s", method, accept, err, b)
					}
					if has := strings.Contains(string(b), `"data":`); has != tt.data {
						t.Errorf("%s, Accept %s: data entry present %v, want %v: %s", method, accept, has, tt.data, b)
					}
					code := ""
					if len(body.Errors) > 0 {
						code = body.Errors[0].Extensions.Code
					}
					if code != tt.code {
						t.Errorf("%s, Accept %s: code %q, want %q: %s", method, accept, code, tt.code, b)
					}
				}
			}
		})
	}
}

// requestFor builds a GraphQL request over POST (a JSON body) or GET (the URL's query).
func requestFor(tb testing.TB, endpoint, method, query, variables, extensions string, noQuery bool) *http.Request {
	tb.Helper()
	var body io.Reader
	switch method {
	case http.MethodPost:
		fields := []string{}
		if !noQuery {
			q, _ := json.Marshal(query)
			fields = append(fields, `"query":`+string(q))
		}
		if variables != "" {
			fields = append(fields, `"variables":`+variables)
		}
		if extensions != "" {
			fields = append(fields, `"extensions":`+extensions)
		}
		body = strings.NewReader("{" + strings.Join(fields, ",") + "}")
	default:
		v := url.Values{}
		if !noQuery {
			v.Set("query", query)
		}
		if variables != "" {
			v.Set("variables", variables)
		}
		if extensions != "" {
			v.Set("extensions", extensions)
		}
		endpoint += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(testContext(tb), method, endpoint, body)
	if err != nil {
		tb.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}
