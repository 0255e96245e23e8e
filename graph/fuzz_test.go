package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/service"
)

// FuzzHandler_POST posts arbitrary bodies to the real endpoint and checks what every client
// is promised whatever it sends: an answer (no crash, no hang), never a server error, a JSON
// body, a code on every error, and no stack trace or file name of ours in it.
func FuzzHandler_POST(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ status { head projections { name position } } }"}`,
		`{"query":"mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id version position events { type data metadata } } }","variables":{"in":{"id":"r1","name":"Trattoria","menu":{"cuisine":"ITALIAN","menuItems":[{"menuItemId":"m1","name":"Pizza","price":"8.99"}]}}}}`,
		`{"query":"mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id } }","variables":{"in":{"restaurantId":"r1","menuItemIds":["m1","m1"],"expectedVersion":1}}}`,
		`{"query":"mutation { markOrderAsPrepared(input: {id: \"o1\", expectedVersion: -5}) { id } }"}`,
		`{"query":"{ restaurants(first: 101, after: \"bm9wZQ==\") { nodes { id } } }"}`,
		`{"query":"{ orders(status: PREPARED, minPosition: 9223372036854775807) { totalCount } }"}`,
		`{"query":"{ events(afterPosition: -1, types: [\"\"], first: 0) { id data } }"}`,
		`{"query":"query($p: Int64) { restaurant(id: \"r1\", minPosition: $p) { name } }","variables":{"p":1e400}}`,
		`{"query":"subscription { events { id } }"}`,
		`{"query":"{ __schema { types { name fields { name } } } }"}`,
		`{"query":"{ a: status { head } b: status { head } }","operationName":"nope"}`,
		`{"query":"query A { status { head } } query B { status { head } }","operationName":"B"}`,
		`{"query":"{ restaurant(id: \"` + strings.Repeat("x", 70) + `\") { name } }"}`,
		`{"query":"{ ` + strings.Repeat("restaurants { nodes { menu { menuItems { name } } } } ", 3) + `}"}`,
		`{"query": 5}`, `{"variables": []}`, `[]`, `null`, `{`, ``, "\x00\xff",
		`{"query":"{ status { head } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
	} {
		f.Add([]byte(seed))
	}
	e := newEnv(f, withService(service.WithConsistencyTimeout(10*time.Millisecond)))
	url := e.srv.URL + "/graphql"
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := http.NewRequestWithContext(testContext(t), http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, b)
		}
		var r struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("status %d, not a JSON object for %q: %s", resp.StatusCode, body, b)
		}
		for _, x := range r.Errors {
			if code, _ := x.Extensions["code"].(string); code == "" {
				t.Fatalf("an error without a code for %q: %s", body, b)
			}
		}
		for _, leak := range []string{"goroutine ", ".go:", "runtime error", "eventgraph/"} {
			if bytes.Contains(b, []byte(leak)) {
				t.Fatalf("the answer shows %q for %q: %s", leak, body, b)
			}
		}
	})
}
