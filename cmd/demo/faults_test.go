package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// TestRun_aServerThatMisbehaves: the demo checks what the server answers, and fails at the
// step where the answer is wrong, saying why.
func TestRun_aServerThatMisbehaves(t *testing.T) {
	t.Run("an HTTP error with a GraphQL body but no errors", func(t *testing.T) {
		// A proxy's 503 whose body happens to be a GraphQL response.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"data":null}`)
		}))
		defer srv.Close()
		var out strings.Builder
		err := run(testContext(t), &client{url: srv.URL + "/graphql", http: srv.Client()}, &out)
		if err == nil || err.Error() != "create restaurant: HTTP 503" {
			t.Errorf("run: %v, want create restaurant: HTTP 503\n%s", err, out.String())
		}
	})
	t.Run("a read with minPosition that does not show the write", func(t *testing.T) {
		// The last query reads the order with minPosition at its markOrderAsPrepared: a
		// server that answers with the order as it was before is caught.
		stale := func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
				if !bytes.Contains(body, []byte("minPosition")) {
					next.ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"PREPARED"`), []byte(`"CREATED"`)))
			})
		}
		srv, _ := newServerWith(t, stale)
		var out strings.Builder
		err := run(testContext(t), &client{url: srv.URL + "/graphql", http: srv.Client()}, &out)
		if err == nil || !strings.Contains(err.Error(), "want the prepared order and its restaurant") {
			t.Errorf("run: %v, want the stale read refused\n%s", err, out.String())
		}
	})
}

// TestSubscribe_protocol: the subscription speaks graphql-transport-ws as the protocol says,
// against a scripted server: the handshake needs connection_ack, and a complete from the
// server ends the subscription.
func TestSubscribe_protocol(t *testing.T) {
	tests := []struct {
		name    string
		script  func(ctx context.Context, c *websocket.Conn) // after connection_init was read
		wantErr string                                       // of subscribe, or else of next
	}{
		{
			name: "an answer to connection_init other than connection_ack",
			script: func(ctx context.Context, c *websocket.Conn) {
				_ = wsjson.Write(ctx, c, map[string]any{"type": "connection_error", "payload": map[string]any{"message": "no"}})
			},
			wantErr: `want connection_ack, got "connection_error"`,
		},
		{
			name: "the server completes the subscription",
			script: func(ctx context.Context, c *websocket.Conn) {
				_ = wsjson.Write(ctx, c, map[string]any{"type": "connection_ack"})
				var sub map[string]any
				_ = wsjson.Read(ctx, c, &sub)
				_ = wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "complete"})
			},
			wantErr: "subscription completed by the server",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"graphql-transport-ws"}})
				if err != nil {
					return
				}
				defer c.CloseNow()
				var init map[string]any
				if err := wsjson.Read(r.Context(), c, &init); err != nil {
					return
				}
				tt.script(r.Context(), c)
			}))
			defer srv.Close()
			ctx := testContext(t)
			c := &client{url: srv.URL + "/graphql", http: srv.Client()}
			sub, err := c.subscribe(ctx, `subscription { events { position } }`, nil)
			if err == nil {
				defer sub.close()
				var v any
				err = sub.next(ctx, &v)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestWSURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/graphql":   "ws://127.0.0.1:8080/graphql",
		"https://api.example.com/graphql": "wss://api.example.com/graphql",
		"ftp://api.example.com/graphql":   "",
		"127.0.0.1:8080/graphql":          "",
	} {
		got, err := wsURL(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("wsURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// testContext returns a context that ends with the test or after a generous bound.
func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	return ctx
}
