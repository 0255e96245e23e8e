package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/eventgraph/eventgraph/store/jsonl"
)

// requestLine is what a test reads of a JSON log line.
type requestLine struct {
	Msg       string
	Level     string
	RequestID string
	Err       string
	Status    int
}

// awaitLine waits for the JSON log line with the message and request id, and decodes it.
func awaitLine(tb testing.TB, logs *signalBuffer, msg, id string) requestLine {
	tb.Helper()
	raw := logs.await(tb, fmt.Sprintf("%q of request %s", msg, id), func(l string) bool {
		var got requestLine
		return json.Unmarshal([]byte(l), &got) == nil && got.Msg == msg && got.RequestID == id
	})
	var got requestLine
	_ = json.Unmarshal([]byte(raw), &got)
	return got
}

// postWithID posts the GraphQL request to m with X-Request-Id set to id (none when empty)
// and returns the response's X-Request-Id and decoded body.
func postWithID(tb testing.TB, m *Main, id, query string, vars map[string]any) (string, errorBody) {
	tb.Helper()
	req, err := http.NewRequestWithContext(testCtx(tb), http.MethodPost, m.URL()+"/graphql", strings.NewReader(gqlBody(tb, query, vars)))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	resp, err := httpClient(tb).Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var body errorBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		tb.Fatal(err)
	}
	return resp.Header.Get("X-Request-Id"), body
}

// TestMain_requestID: every request has an id, its own X-Request-Id when that is fit to
// log, else a new UUID; the response names it, every line logged for the request carries it,
// and an INTERNAL_SERVER_ERROR names it, over HTTP and over a WebSocket, so that the line
// with the cause, which the client never sees, can be found from what the client got.
func TestMain_requestID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ff := &faultyFile{}
	m := NewMain()
	m.jsonlOptions = []jsonl.Option{jsonl.WithFile(func(f jsonl.File) jsonl.File { ff.File = f; return ff })}
	logs := runMain(t, m, "--store", "jsonl", "--data", dir, "--log-format", "json")

	t.Run("taken from the request when fit to log, else made", func(t *testing.T) {
		tests := []struct {
			name, sent string
			kept       bool
		}{
			{"none", "", false},
			{"a proxy's", "req-7f3a:1/b=c", true},
			{"a UUID", "0b6e5a52-8a30-4a7c-9d1e-6f2b1c3d4e5f", true},
			{"128 characters", strings.Repeat("x", 128), true},
			{"129 characters", strings.Repeat("x", 129), false},
			{"with a space", "a b", false},
			{"with a tab", "a\tb", false},
			{"not ASCII", "caf\u00e9", false},
			{"with a quote and a backslash", `a"b\c`, true},
		}
		seen := map[string]bool{}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, body := postWithID(t, m, tt.sent, `{ __typename }`, nil)
				if len(body.Errors) != 0 {
					t.Fatalf("errors %+v", body.Errors)
				}
				switch {
				case tt.kept && got != tt.sent:
					t.Fatalf("X-Request-Id %q, want the request's %q", got, tt.sent)
				case !tt.kept:
					if _, err := uuid.Parse(got); err != nil || got == tt.sent {
						t.Fatalf("X-Request-Id %q, want a new UUID", got)
					}
					if seen[got] {
						t.Fatalf("X-Request-Id %q made twice", got)
					}
					seen[got] = true
				}
				if line := awaitLine(t, logs, "request", got); line.Status != http.StatusOK {
					t.Errorf("the request's line: %+v", line)
				}
			})
		}
	})

	t.Run("an internal error names it, as do the lines logged for it", func(t *testing.T) {
		ff.failWrite.Store(true)
		defer ff.failWrite.Store(false)
		for i, sent := range []string{"fault-1", ""} {
			vars := map[string]any{"in": map[string]any{"id": fmt.Sprint("r", i), "name": "x", "menu": menu("m1")}}
			id, body := postWithID(t, m, sent, createRestaurant, vars)
			if sent != "" && id != sent {
				t.Fatalf("X-Request-Id %q, want %q", id, sent)
			}
			if len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" || body.Errors[0].Extensions["requestId"] != id {
				t.Fatalf("errors %+v, want INTERNAL_SERVER_ERROR with requestId %q", body.Errors, id)
			}
			if cause := awaitLine(t, logs, "graphql: internal error", id); cause.Level != "ERROR" || !strings.Contains(cause.Err, "no space left on device") {
				t.Errorf("the cause's line: %+v", cause)
			}
			if line := awaitLine(t, logs, "request", id); line.Level != "WARN" {
				t.Errorf("the request's line: %+v, want it at WARN", line)
			}
		}
	})

	t.Run("over a WebSocket, the upgrade request's", func(t *testing.T) {
		conn, resp, err := websocket.Dial(testCtx(t), "ws"+strings.TrimPrefix(m.URL(), "http")+"/graphql", &websocket.DialOptions{
			HTTPClient:   httpClient(t),
			HTTPHeader:   http.Header{"X-Request-Id": {"socket-1"}},
			Subprotocols: []string{"graphql-transport-ws"},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.CloseNow() })
		if got := resp.Header.Get("X-Request-Id"); got != "socket-1" {
			t.Errorf("the upgrade's X-Request-Id %q, want socket-1", got)
		}
		c := &wsClient{tb: t, conn: conn}
		if ack, status, msg := c.init(map[string]any{}); !ack {
			t.Fatalf("not acknowledged: %d %q", status, msg)
		}
		ff.failWrite.Store(true)
		defer ff.failWrite.Store(false)
		c.subscribe("1", `mutation { createRestaurant(input: {id: "ws", name: "x", menu: {cuisine: GENERAL, menuItems: [{menuItemId: "m1", name: "x", price: "1.00"}]}}) { id } }`)
		msg := c.next()
		var payload errorBody
		if err := json.Unmarshal(msg.Payload, &payload); err != nil || msg.Type != "next" || len(payload.Errors) != 1 {
			t.Fatalf("got %s %s, want a next with one error", msg.Type, msg.Payload)
		}
		if ext := payload.Errors[0].Extensions; ext["code"] != "INTERNAL_SERVER_ERROR" || ext["requestId"] != "socket-1" {
			t.Fatalf("extensions %v, want INTERNAL_SERVER_ERROR with requestId socket-1", ext)
		}
		awaitLine(t, logs, "graphql: internal error", "socket-1")
	})
}
