package graph_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// apq sends a request of Automatic Persisted Queries: the query (when not empty) and
// extensions.persistedQuery with hash, by POST or, with get, by GET.
func (e *env) apq(tb testing.TB, get bool, query, hash string) (int, *graphtest.Response) {
	tb.Helper()
	ext := `{"persistedQuery": {"version": 1, "sha256Hash": "` + hash + `"}}`
	var req *http.Request
	var err error
	if get {
		q := url.Values{"extensions": {ext}}
		if query != "" {
			q.Set("query", query)
		}
		req, err = http.NewRequestWithContext(testContext(tb), http.MethodGet, e.srv.URL+"/graphql?"+q.Encode(), nil)
	} else {
		body, _ := json.Marshal(map[string]any{"query": query, "extensions": json.RawMessage(ext)})
		if query == "" {
			body = []byte(`{"extensions": ` + ext + `}`)
		}
		req, err = http.NewRequestWithContext(testContext(tb), http.MethodPost, e.srv.URL+"/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	var r graphtest.Response
	if err := json.Unmarshal(b, &r); err != nil {
		tb.Fatalf("status %d, body %s: %v", resp.StatusCode, b, err)
	}
	return resp.StatusCode, &r
}

func TestHandler_persistedQueries(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{PersistedQueries: 2}))
	const status = `{ status { head } }`
	wantData := func(t *testing.T, r *graphtest.Response) {
		t.Helper()
		if err := r.Err(); err != nil || !strings.Contains(string(r.Data), `"head"`) {
			t.Fatalf("got %s, %v; want the query's data", r.Data, err)
		}
	}
	wantCode := func(t *testing.T, r *graphtest.Response, code, message string) {
		t.Helper()
		if r.Code() != code || !strings.Contains(r.Errors[0].Message, message) || r.Data != nil && string(r.Data) != "null" {
			t.Fatalf("got %s %v; want only an error %s %q", r.Data, r.Errors, code, message)
		}
	}

	for _, get := range []bool{false, true} {
		name := map[bool]string{false: "POST", true: "GET"}[get]
		query := status
		if get {
			query = `query GET { status { head } }` // another hash than POST's
		}
		hash := sha256Hex(query)
		t.Run(name+": an unknown hash is PERSISTED_QUERY_NOT_FOUND, then the query with its hash is kept", func(t *testing.T) {
			_, r := e.apq(t, get, "", hash)
			wantCode(t, r, graph.CodePersistedQueryNotFound, "PersistedQueryNotFound")
			_, r = e.apq(t, get, query, hash)
			wantData(t, r)
			_, r = e.apq(t, get, "", hash)
			wantData(t, r)
			_, r = e.apq(t, get, "", strings.ToUpper(hash)) // hexadecimal in either case
			wantData(t, r)
		})
	}

	t.Run("a hash that is not the query's is BAD_REQUEST, and nothing is kept", func(t *testing.T) {
		q := `{ status { projections { name } } }`
		wrong := sha256Hex(q + " ")
		_, r := e.apq(t, false, q, wrong)
		wantCode(t, r, graph.CodeBadRequest, "sha256Hash is not the SHA-256 of the query")
		_, r = e.apq(t, false, "", wrong)
		wantCode(t, r, graph.CodePersistedQueryNotFound, "PersistedQueryNotFound")
	})

	t.Run("a query that fails validation is not kept", func(t *testing.T) {
		q := `{ status { nope } }`
		_, r := e.apq(t, false, q, sha256Hex(q))
		wantCode(t, r, "GRAPHQL_VALIDATION_FAILED", "nope")
		_, r = e.apq(t, false, "", sha256Hex(q))
		wantCode(t, r, graph.CodePersistedQueryNotFound, "PersistedQueryNotFound")
	})

	t.Run("a mutation over GET is refused and not kept", func(t *testing.T) {
		q := `mutation { __typename }`
		_, r := e.apq(t, true, q, sha256Hex(q))
		wantCode(t, r, graph.CodeBadRequest, "GET serves queries only")
		_, r = e.apq(t, false, "", sha256Hex(q))
		wantCode(t, r, graph.CodePersistedQueryNotFound, "PersistedQueryNotFound")
	})

	t.Run("a query longer than MaxPersistedQueryBytes is served, not kept", func(t *testing.T) {
		q := status + " #" + strings.Repeat("x", graph.MaxPersistedQueryBytes)
		_, r := e.apq(t, false, q, sha256Hex(q))
		wantData(t, r)
		_, r = e.apq(t, false, "", sha256Hex(q))
		wantCode(t, r, graph.CodePersistedQueryNotFound, "PersistedQueryNotFound")
	})

	t.Run("the cache keeps the most recently used queries", func(t *testing.T) {
		qs := []string{`{ a: status { head } }`, `{ b: status { head } }`, `{ c: status { head } }`}
		for _, q := range qs {
			_, r := e.apq(t, false, q, sha256Hex(q))
			wantData(t, r)
		}
		// Two fit: the first was dropped, the last two are kept.
		_, r := e.apq(t, false, "", sha256Hex(qs[0]))
		wantCode(t, r, graph.CodePersistedQueryNotFound, "PersistedQueryNotFound")
		for _, q := range qs[1:] {
			_, r := e.apq(t, false, "", sha256Hex(q))
			wantData(t, r)
		}
	})

	for _, tt := range []struct{ name, ext, want string }{
		{"version 2", `{"version": 2, "sha256Hash": "` + sha256Hex(status) + `"}`, "unsupported version"},
		{"no version", `{"sha256Hash": "` + sha256Hex(status) + `"}`, "unsupported version"},
		{"a short hash", `{"version": 1, "sha256Hash": "abc"}`, "64 hexadecimal digits"},
		{"a hash that is not hexadecimal", `{"version": 1, "sha256Hash": "` + strings.Repeat("g", 64) + `"}`, "64 hexadecimal digits"},
		{"a hash that is a number", `{"version": 1, "sha256Hash": 5}`, "64 hexadecimal digits"},
		{"not an object", `"abc"`, "want an object"},
	} {
		t.Run("an extension with "+tt.name+" is BAD_REQUEST", func(t *testing.T) {
			_, r := e.post(t, `{"extensions": {"persistedQuery": `+tt.ext+`}}`, nil)
			wantCode(t, r, graph.CodeBadRequest, tt.want)
		})
	}

	t.Run("over a WebSocket", func(t *testing.T) {
		q := `subscription { events(afterPosition: 0) { position } }`
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}
		c := e.dialWS(t, graphtest.TransportWS)
		c.init()
		payload := func(query string) json.RawMessage {
			b, _ := json.Marshal(map[string]any{"query": query, "extensions": ext})
			return b
		}
		c.send(wsMsg{ID: "1", Type: "subscribe", Payload: payload("")})
		// As gqlgen answers every refusal that is not a parse or validation error.
		if m := c.next("next", "1"); !strings.Contains(string(m.Payload), graph.CodePersistedQueryNotFound) {
			t.Fatalf("a hash alone: %s; want %s", m.Payload, graph.CodePersistedQueryNotFound)
		}
		c.next("complete", "1")
		e.create(t, restaurantInput("r1", "m1"))
		c.send(wsMsg{ID: "2", Type: "subscribe", Payload: payload(q)})
		c.next("next", "2")
		c.send(wsMsg{ID: "3", Type: "subscribe", Payload: payload("")})
		c.next("next", "3")
	})
}

func TestHandler_persistedQueriesOff(t *testing.T) {
	e := newEnv(t) // PersistedQueries: 0
	const q = `{ status { head } }`
	_, r := e.apq(t, false, "", sha256Hex(q))
	if r.Code() != graph.CodePersistedQueryNotSupported || r.Errors[0].Message != "PersistedQueryNotSupported" {
		t.Fatalf("a hash alone: %v; want PERSISTED_QUERY_NOT_SUPPORTED, which makes clients send queries in full", r.Errors)
	}
	// A client that sends the query too is served, hash or not.
	if _, r = e.apq(t, false, q, "anything"); r.Err() != nil {
		t.Fatalf("the query with a hash: %v; want it served", r.Err())
	}
}
