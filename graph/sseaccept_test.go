package graph_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
)

// acceptCase is a request with an Accept header and the answer it must get: a stream whose
// first event is "next" with has in its data (contentType text/event-stream), or a response
// of the status and media type whose body holds has.
type acceptCase struct {
	name        string
	method      string   // GET or POST
	accept      []string // the Accept header's lines
	query       string
	status      int
	contentType string
	has         string
}

const (
	acceptQuery = `{ status { head } }`
	acceptSub   = `subscription { events(afterPosition: 0) { streamId } }`
	acceptEvent = `{"data":{"events":{"streamId":"restaurant-r1"}}}`
	eventStrm   = "text/event-stream"
	plainJSON   = "application/json"
	gqlJSON     = "application/graphql-response+json"
)

// sendAccept sends query by method (a POST's JSON body, a GET's URL) with the Accept lines and
// returns the response, its body closed when the test ends.
func (e *env) sendAccept(tb testing.TB, method string, accept []string, query string) *http.Response {
	tb.Helper()
	var req *http.Request
	var err error
	switch method {
	case http.MethodGet:
		req, err = http.NewRequestWithContext(testContext(tb), method, e.srv.URL+"/graphql?"+url.Values{"query": {query}}.Encode(), nil)
	default:
		body, _ := json.Marshal(map[string]string{"query": query})
		req, err = http.NewRequestWithContext(testContext(tb), method, e.srv.URL+"/graphql", strings.NewReader(string(body)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range accept {
		req.Header.Add("Accept", line)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

// check sends tt's request and compares the answer. The media type is checked before the body
// is read: a stream that should have been JSON fails at once rather than waiting for its end.
func (tt acceptCase) check(t *testing.T, e *env) {
	t.Helper()
	resp := e.sendAccept(t, tt.method, tt.accept, tt.query)
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != tt.status || mediaType != tt.contentType {
		t.Fatalf("%s with Accept %q: status %d, Content-Type %q; want %d %s",
			tt.method, tt.accept, resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.contentType)
	}
	if mediaType == eventStrm {
		evs := readEvents(t, resp.Body, 1)
		if len(evs) != 1 || evs[0].name != "next" || !strings.Contains(evs[0].data, tt.has) {
			t.Fatalf("events %+v; want next with %s", evs, tt.has)
		}
		return
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil || !strings.Contains(string(b), tt.has) {
		t.Fatalf("body %s (%v); want it to hold %s", b, err, tt.has)
	}
}

// acceptEnv is a server with the restaurant r1, whose creation a subscription from position 0
// sees first.
func acceptEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "a"))
	return e
}

// TestSSE_acceptQualityZero: a client that gives text/event-stream q=0 says it cannot read a
// stream (RFC 9110, 12.4.2), so none is opened, for any operation or method: the endpoint
// answered it with a stream, as it only looked for the string (found by review).
func TestSSE_acceptQualityZero(t *testing.T) {
	e := acceptEnv(t)
	refused := []string{plainJSON + ", " + eventStrm + ";q=0"}
	for _, tt := range []acceptCase{
		{"a POST query gets JSON", http.MethodPost, refused, acceptQuery, http.StatusOK, plainJSON, `{"data":{"status":{"head":1}}}`},
		{"a POST query that accepts nothing else gets GraphQL over HTTP's default", http.MethodPost, []string{eventStrm + ";q=0"}, acceptQuery, http.StatusOK, gqlJSON, `"head":1`},
		{"a POST query with q=0.0 gets JSON", http.MethodPost, []string{eventStrm + ";q=0.0, " + plainJSON}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
		{"a GET query gets JSON", http.MethodGet, []string{eventStrm + ";q=0"}, acceptQuery, http.StatusOK, gqlJSON, `"head":1`},
		{"a GET subscription is refused as any GET's", http.MethodGet, []string{eventStrm + ";q=0"}, acceptSub, http.StatusMethodNotAllowed, gqlJSON, graph.CodeBadRequest},
		{"a POST subscription is refused as a plain POST's", http.MethodPost, refused, acceptSub, http.StatusOK, plainJSON, graph.CodeBadRequest},
		{"a second header line is read too", http.MethodPost, []string{eventStrm + ";q=0", plainJSON}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e) })
	}
}

// TestSSE_acceptMutationWithoutStream: a mutation whose client refuses a stream runs once and
// is answered in JSON, the type it accepts (or, when it names none, GraphQL over HTTP's
// default); the endpoint ran it and answered with the stream the client had refused.
func TestSSE_acceptMutationWithoutStream(t *testing.T) {
	e := acceptEnv(t)
	for i, tt := range []struct {
		name        string
		accept      string
		contentType string
	}{
		{"with JSON", plainJSON + ", " + eventStrm + ";q=0", plainJSON},
		{"alone", eventStrm + ";q=0", gqlJSON},
		{"preferring JSON", eventStrm + ";q=0.1, " + plainJSON, plainJSON},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprintf("m%d", i)
			before := e.head(t)
			acceptCase{
				method: http.MethodPost, accept: []string{tt.accept}, status: http.StatusOK, contentType: tt.contentType,
				query: `mutation { createRestaurant(input: {id: "` + id + `", name: "x", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "a", name: "a", price: "1"}]}}) { id } }`,
				has:   `{"data":{"createRestaurant":{"id":"` + id + `"}}}`,
			}.check(t, e)
			if head := e.head(t); head != before+1 {
				t.Errorf("head %d after the mutation, want %d: it runs once", head, before+1)
			}
		})
	}
}

// TestSSE_acceptCaseAndParameters: media types are case-insensitive (RFC 9110, 8.3.1) and may
// carry parameters: the endpoint missed TEXT/EVENT-STREAM (400 for a POST subscription, 405
// for a GET's), and read a parameter's q=0 as acceptance.
func TestSSE_acceptCaseAndParameters(t *testing.T) {
	e := acceptEnv(t)
	for _, tt := range []acceptCase{
		{"a POST subscription in upper case streams", http.MethodPost, []string{"TEXT/EVENT-STREAM"}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
		{"a GET subscription in mixed case streams", http.MethodGet, []string{"Text/Event-Stream"}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
		{"a POST query in upper case with a charset streams", http.MethodPost, []string{"TEXT/EVENT-STREAM;charset=UTF-8"}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a second header line in upper case streams", http.MethodPost, []string{plainJSON, "Text/Event-Stream"}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
		{"q=0 after a charset is read", http.MethodPost, []string{eventStrm + "; charset=utf-8; q=0, " + plainJSON}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
		{"a GET whose JSON has q=0 streams", http.MethodGet, []string{eventStrm + ";charset=utf-8, " + plainJSON + ";q=0"}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e) })
	}
}

// TestSSE_acceptPreference: a POST whose Accept prefers JSON by its quality values gets JSON
// for a query; a subscription, which JSON cannot carry, still streams.
func TestSSE_acceptPreference(t *testing.T) {
	e := acceptEnv(t)
	for _, tt := range []acceptCase{
		{"a query gets JSON", http.MethodPost, []string{eventStrm + ";q=0.1, " + plainJSON}, acceptQuery, http.StatusOK, plainJSON, `{"data":{"status":{"head":1}}}`},
		{"a query gets the JSON type preferred", http.MethodPost, []string{gqlJSON + ", " + plainJSON + ";q=0.9, " + eventStrm + ";q=0.5"}, acceptQuery, http.StatusOK, gqlJSON, `"head":1`},
		{"a subscription streams", http.MethodPost, []string{eventStrm + ";q=0.1, " + plainJSON}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e) })
	}
}

// TestSSE_acceptOrdinaryHeaders: the headers clients send are answered as they always were:
// the stream when it is named (EventSource, graphql-sse, curl), JSON when it is not (a
// wildcard never opens one), and JSON for a GET that names JSON.
func TestSSE_acceptOrdinaryHeaders(t *testing.T) {
	e := acceptEnv(t)
	for _, tt := range []acceptCase{
		{"an EventSource's GET subscription streams", http.MethodGet, []string{eventStrm}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
		{"an EventSource's GET query streams", http.MethodGet, []string{eventStrm}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a graphql-sse POST subscription streams", http.MethodPost, []string{eventStrm}, acceptSub, http.StatusOK, eventStrm, acceptEvent},
		{"a POST query for a stream streams", http.MethodPost, []string{eventStrm}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a POST naming the stream first streams", http.MethodPost, []string{eventStrm + ", " + plainJSON}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a POST naming JSON first streams", http.MethodPost, []string{plainJSON + ", " + eventStrm}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a POST with a charset streams", http.MethodPost, []string{eventStrm + ";charset=utf-8"}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a POST preferring the stream to a wildcard streams", http.MethodPost, []string{eventStrm + ";q=0.5, */*"}, acceptQuery, http.StatusOK, eventStrm, `"head":1`},
		{"a GET that names JSON gets JSON", http.MethodGet, []string{plainJSON + ", " + eventStrm}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
		{"a POST of */* gets JSON", http.MethodPost, []string{"*/*"}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
		{"a POST of text/* gets JSON", http.MethodPost, []string{"text/*"}, acceptQuery, http.StatusOK, gqlJSON, `"head":1`},
		{"a GET of */* gets JSON", http.MethodGet, []string{"*/*"}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
		{"a POST of JSON gets JSON", http.MethodPost, []string{plainJSON}, acceptQuery, http.StatusOK, plainJSON, `"head":1`},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, e) })
	}
}

// TestIsEventStream: a server in front of the handler counts as streams the requests the
// handler may stream, by the same reading of Accept.
func TestIsEventStream(t *testing.T) {
	for _, tt := range []struct {
		method, accept, contentType string
		want                        bool
	}{
		{http.MethodPost, eventStrm, plainJSON, true},
		{http.MethodPost, eventStrm, plainJSON + "; charset=utf-8", true},
		{http.MethodPost, plainJSON + ", " + eventStrm, plainJSON, true},
		{http.MethodPost, "TEXT/EVENT-STREAM", plainJSON, true},
		{http.MethodPost, eventStrm + ";q=0.1, " + plainJSON, plainJSON, true}, // its subscription streams
		{http.MethodPost, plainJSON + ", " + eventStrm + ";q=0", plainJSON, false},
		{http.MethodPost, eventStrm + ";q=0", plainJSON, false},
		{http.MethodPost, "*/*", plainJSON, false},
		{http.MethodPost, eventStrm, "text/plain", false},
		{http.MethodGet, eventStrm, "", true},
		{http.MethodGet, "Text/Event-Stream", "", true},
		{http.MethodGet, eventStrm + ", " + plainJSON + ";q=0", "", true},
		{http.MethodGet, eventStrm + ", " + plainJSON, "", false},
		{http.MethodGet, eventStrm + ";q=0", "", false},
		{http.MethodPut, eventStrm, plainJSON, false},
	} {
		req, err := http.NewRequest(tt.method, "/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", tt.accept)
		if tt.contentType != "" {
			req.Header.Set("Content-Type", tt.contentType)
		}
		if got := graph.IsEventStream(req); got != tt.want {
			t.Errorf("IsEventStream(%s, Accept %q, Content-Type %q) = %v, want %v", tt.method, tt.accept, tt.contentType, got, tt.want)
		}
	}

	// An Upgrade header makes a request no stream, unless it offers only h2c, which the
	// handler ignores: a server in front of it must count that one a stream too (it kept
	// its request deadlines and was not ended at shutdown, the handler streaming it).
	for _, tt := range []struct {
		upgrade []string
		want    bool
	}{
		{[]string{"h2c"}, true},
		{[]string{"H2C"}, true},
		{[]string{"h2c", " h2c "}, true},
		{[]string{"websocket"}, false},
		{[]string{"h2c, websocket"}, false},
		{[]string{"h2c", "foo/1"}, false},
	} {
		req, err := http.NewRequest(http.MethodPost, "/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", eventStrm)
		req.Header.Set("Content-Type", plainJSON)
		req.Header["Upgrade"] = tt.upgrade
		if got := graph.IsEventStream(req); got != tt.want {
			t.Errorf("IsEventStream(POST with Upgrade %q) = %v, want %v", tt.upgrade, got, tt.want)
		}
	}
}
