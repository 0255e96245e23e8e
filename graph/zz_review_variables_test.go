package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// The messages variableRefusal writes must describe what the client sent.
func TestZZ_variableRefusalMessages(t *testing.T) {
	e := newEnv(t)
	create := `mutation($in: CreateRestaurantInput!) { createRestaurant(input: $in) { id } }`
	for _, tt := range []struct{ name, body, mustNotSay string }{
		{"an input object sent as a number", `{"query": "` + create + `", "variables": {"in": 5}}`, "not a string"},
		{"an input object sent as a number, nested", `{"query": "` + create + `", "variables": {"in": {"name": "x", "menu": 5}}}`, "not a string"},
		{"an Int of 1.0 (a whole number)", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": 1.0}}`, "must be a whole number"},
		{"an Int of 1e1 (a whole number)", `{"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": {"n": 1e1}}`, "must be a whole number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, raw := e.postRaw(t, tt.body, map[string]string{"Accept": "application/graphql-response+json"})
			var r graphtest.Response
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Errors) == 0 {
				t.Fatalf("no error: %s", raw)
			}
			if msg := r.Errors[0].Message; strings.Contains(msg, tt.mustNotSay) {
				t.Errorf("message %q says %q of a value that is not: misleading (%s)", msg, tt.mustNotSay, r.Code())
			}
		})
	}
}

// Over graphql-transport-ws, the two refusals variableRefusal makes "the same" (an Int of
// 1.5, refused by gqlparser, and an Int of 2^40, refused by variableTypes) must reach the
// client in the same protocol shape: both are BAD_USER_INPUT.
func TestZZ_variableRefusalOverWebSocket(t *testing.T) {
	e := newEnv(t)
	shape := func(n any) string {
		conn, _, err := websocket.Dial(testContext(t), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		ctx := testContext(t)
		_ = wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"})
		var ack map[string]any
		if err := wsjson.Read(ctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
			t.Fatalf("ack %v %v", ack, err)
		}
		_ = wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
			"query": "query($n: Int) { restaurants(first: $n) { totalCount } }", "variables": map[string]any{"n": n}}})
		var types []string
		for {
			var msg map[string]json.RawMessage
			if err := wsjson.Read(ctx, conn, &msg); err != nil {
				break
			}
			var typ string
			_ = json.Unmarshal(msg["type"], &typ)
			if typ == "ping" || typ == "pong" {
				continue
			}
			types = append(types, typ+" "+string(msg["payload"]))
			if typ == "complete" || typ == "error" {
				break
			}
		}
		return strings.Join(types, " / ")
	}
	a, b := shape(1.5), shape(1<<40)
	t.Logf("1.5: %s\n2^40: %s", a, b)
	if strings.Fields(a)[0] != strings.Fields(b)[0] {
		t.Errorf("an Int of 1.5 gets %q, an Int of 2^40 gets %q: one BAD_USER_INPUT refusal in two protocol shapes", strings.Fields(a)[0], strings.Fields(b)[0])
	}
}
