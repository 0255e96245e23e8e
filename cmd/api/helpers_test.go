package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// startMain starts a Main on a free loopback port with the given flags (after
// --addr 127.0.0.1:0) and closes it when the test ends. Its logs go to the
// returned buffer.
func startMain(tb testing.TB, args ...string) (*Main, *syncbuf.Buffer) {
	tb.Helper()
	m := NewMain()
	logs := &syncbuf.Buffer{}
	m.Stderr = logs
	if err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0"}, args...), env(nil)); err != nil {
		tb.Fatalf("ParseFlags: %v", err)
	}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("Run: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return m, logs
}

// newClient returns a GraphQL client for url with its own connection pool, so
// no test reuses a kept-alive connection to another test's server (whose port
// a later server may get again).
func newClient(tb testing.TB, url string) *graphtest.Client {
	tb.Helper()
	return graphtest.New(url, graphtest.WithHTTPClient(httpClient(tb)))
}

// httpClient returns an HTTP client with its own connection pool, closed when
// the test ends.
func httpClient(tb testing.TB) *http.Client {
	transport := &http.Transport{}
	tb.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport}
}

// testCtx returns a context that ends with the test or after a generous bound.
func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// gql sends a query or mutation and fails the test on any error; it returns the data.
func gql(tb testing.TB, c *graphtest.Client, query string, vars map[string]any) json.RawMessage {
	tb.Helper()
	resp, err := c.Query(testCtx(tb), query, vars)
	if err != nil {
		tb.Fatalf("query %q: %v", firstLine(query), err)
	}
	if len(resp.Errors) > 0 {
		tb.Fatalf("query %q: errors %v", firstLine(query), resp.Errors)
	}
	return resp.Data
}

// decode unmarshals data into a new T.
func decode[T any](tb testing.TB, data json.RawMessage) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("decode %s: %v", data, err)
	}
	return v
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// httpGet fetches url and returns the response with its body read.
func httpGet(tb testing.TB, url string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequestWithContext(testCtx(tb), http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := httpClient(tb).Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	return resp, b
}

// menu is a menu input with the given item ids, each priced 1.00.
func menu(ids ...string) map[string]any {
	items := make([]map[string]any, len(ids))
	for i, id := range ids {
		items[i] = map[string]any{"menuItemId": id, "name": "Dish " + id, "price": "1.00"}
	}
	return map[string]any{"cuisine": "ITALIAN", "menuItems": items}
}

const createRestaurant = `mutation($in: CreateRestaurantInput!) {
	createRestaurant(input: $in) { id streamId version position duplicate }
}`

const placeOrder = `mutation($in: PlaceOrderInput!) {
	placeOrder(input: $in) { id streamId version position duplicate }
}`

const markPrepared = `mutation($in: MarkOrderAsPreparedInput!) {
	markOrderAsPrepared(input: $in) { id streamId version position duplicate }
}`

// result is a decoded CommandResult.
type result struct {
	ID        string `json:"id"`
	StreamID  string `json:"streamId"`
	Version   int    `json:"version"`
	Position  int64  `json:"position"`
	Duplicate bool   `json:"duplicate"`
}

// awaitReady waits until m has caught up with its log after start-up (Main.Ready), which a
// goroutine of the server marks on its own time: a test that expects /readyz 200 or
// eventgraph_ready 1 soon after start waits for it first (two failed in CI under load).
func awaitReady(tb testing.TB, m *Main) {
	tb.Helper()
	select {
	case <-m.Ready():
	case <-testCtx(tb).Done():
		tb.Fatal("the server never became ready")
	}
}
