package graph_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// sseEvent is an event of a Server-Sent Events stream.
type sseEvent struct{ name, data, id string }

// getStream sends a GET of the URL parameters with the Accept header and returns the response,
// its body closed when the test ends.
func (e *env) getStream(tb testing.TB, ctx context.Context, accept string, params url.Values) *http.Response {
	tb.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/graphql?"+params.Encode(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := e.http.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}

// readEvents reads events from an event stream until n have come or the stream ends. It
// reads ahead: a body read again must be read through one sseReader.
func readEvents(tb testing.TB, body io.Reader, n int) []sseEvent {
	tb.Helper()
	return newSSEReader(body).next(tb, n)
}

// sseReader reads the events of one stream, call after call.
type sseReader struct{ sc *bufio.Scanner }

func newSSEReader(body io.Reader) *sseReader { return &sseReader{sc: bufio.NewScanner(body)} }

// next reads events until n have come or the stream ends.
func (r *sseReader) next(tb testing.TB, n int) []sseEvent {
	tb.Helper()
	var evs []sseEvent
	var cur sseEvent
	for len(evs) < n && r.sc.Scan() {
		switch line := r.sc.Text(); {
		case line == "":
			if cur.name != "" {
				evs = append(evs, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data += strings.TrimPrefix(line, "data: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		}
	}
	return evs
}

// TestSSE_GET: a GET that accepts text/event-stream (a browser's EventSource) is served as
// an event stream, as the POST with the same parameters: subscriptions and queries, never a
// mutation (GraphQL over HTTP: a GET does not write), which gets 405 before any stream opens.
func TestSSE_GET(t *testing.T) {
	e := newEnv(t, withConfig(graph.Config{PersistedQueries: 10}))
	e.create(t, restaurantInput("r1", "a"))
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
	defer cancel()

	t.Run("a subscription streams its events", func(t *testing.T) {
		resp := e.getStream(t, ctx, "text/event-stream", url.Values{
			"query":     {`subscription($after: Int64) { events(afterPosition: $after) { streamId } }`},
			"variables": {`{"after": 0}`},
		})
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("status %d, Content-Type %q; want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		evs := readEvents(t, resp.Body, 1)
		if len(evs) != 1 || evs[0].name != "next" || evs[0].data != `{"data":{"events":{"streamId":"restaurant-r1"}}}` {
			t.Fatalf("events %+v, want the restaurant's creation", evs)
		}
	})
	t.Run("a query answers once and completes", func(t *testing.T) {
		resp := e.getStream(t, ctx, "text/event-stream", url.Values{"query": {`{ status { head } }`}})
		evs := readEvents(t, resp.Body, 2)
		if len(evs) != 2 || evs[0].name != "next" || !strings.Contains(evs[0].data, `"head":1`) || evs[1].name != "complete" {
			t.Fatalf("events %+v, want next with the head, then complete", evs)
		}
	})
	t.Run("complete has a data line, so that an EventSource dispatches it", func(t *testing.T) {
		// An event without data is never dispatched (WHATWG event streams): an EventSource
		// did not see the end and reconnected, running the query again (found by review).
		resp := e.getStream(t, ctx, "text/event-stream", url.Values{"query": {`{ status { head } }`}})
		b, err := io.ReadAll(resp.Body)
		if err != nil || !strings.HasSuffix(string(b), "\n\nevent: complete\ndata:\n\n") {
			t.Fatalf("stream %q (%v), want it to end with a complete event with an empty data line", b, err)
		}
	})
	t.Run("a GET that also accepts JSON gets JSON", func(t *testing.T) {
		resp := e.getStream(t, ctx, "application/json, text/event-stream", url.Values{"query": {`{ status { head } }`}})
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || string(b) != `{"data":{"status":{"head":1}}}` {
			t.Fatalf("status %d, Content-Type %q, body %s; want the JSON answer", resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	})

	mutation := `mutation { createRestaurant(input: {id: "r2", name: "x", menu: {cuisine: ITALIAN, menuItems: [{menuItemId: "a", name: "a", price: "1"}]}}) { id } }`
	refusals := []struct {
		name   string
		params url.Values
		status int
	}{
		{"a mutation is 405", url.Values{"query": {mutation}}, http.StatusMethodNotAllowed},
		{"a mutation named among other operations is 405",
			url.Values{"query": {`query Q { status { head } } ` + strings.Replace(mutation, "mutation", "mutation M", 1)}, "operationName": {"M"}}, http.StatusMethodNotAllowed},
		{"variables that are not an object are 400", url.Values{"query": {`{ status { head } }`}, "variables": {`[1]`}}, http.StatusBadRequest},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.getStream(t, ctx, "text/event-stream", tt.params)
			var body struct {
				Errors []struct{ Extensions struct{ Code string } }
			}
			err := json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.status || err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != graph.CodeBadRequest {
				t.Fatalf("status %d, body %+v (%v); want %d with BAD_REQUEST", resp.StatusCode, body, err, tt.status)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow %q, want POST", resp.Header.Get("Allow"))
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store: a GET's refusal must not be cached", cc)
			}
		})
	}
	t.Run("a persisted mutation is refused in the stream", func(t *testing.T) {
		// Only the server knows the query: the refusal comes once the stream is open.
		hash := sha256Hex(mutation)
		if status, r := e.apq(t, false, mutation, hash); status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("registering the query: %d %v", status, r.Errors)
		}
		resp := e.getStream(t, ctx, "text/event-stream", url.Values{
			"extensions": {`{"persistedQuery": {"version": 1, "sha256Hash": "` + hash + `"}}`},
		})
		evs := readEvents(t, resp.Body, 2)
		if len(evs) != 2 || evs[0].name != "next" || !strings.Contains(evs[0].data, graph.CodeBadRequest) || evs[1].name != "complete" {
			t.Fatalf("events %+v, want next with BAD_REQUEST, then complete", evs)
		}
	})
	// No refused mutation wrote: r2 exists only through the registration's POST.
	if head := e.head(t); head != 2 {
		t.Errorf("head %d, want 2: r1 and the POST that registered the persisted mutation", head)
	}
}
