package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

func TestAuth_HTTP(t *testing.T) {
	open, _ := startMain(t, "--store", "memory", "--auth-tokens", token1+","+token2)
	closed, _ := startMain(t, "--store", "memory", "--auth-tokens", token1, "--auth-queries")
	none, _ := startMain(t, "--store", "memory")

	mutation := gqlBody(t, createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("m1")}})
	query := gqlBody(t, `{ status { head } }`, nil)
	subscription := gqlBody(t, `subscription { events(afterPosition: 0) { position } }`, nil)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	sse := func(h map[string]string) map[string]string {
		out := map[string]string{"Accept": "text/event-stream"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}

	tests := []struct {
		name       string
		m          *Main
		method     string
		body       string // POST body
		query      string // GET query
		header     map[string]string
		wantStatus int
		wantCode   string
	}{
		{name: "a mutation without a token is refused with 401", m: open, body: mutation,
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "a mutation with an unknown token is refused with 401", m: open, body: mutation, header: bearer("token-nobody-0123456789ab"),
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "a prefix of a token is refused", m: open, body: mutation, header: bearer(token1[:20]),
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "another scheme is refused", m: open, body: mutation, header: map[string]string{"Authorization": "Basic " + token1},
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "a mutation with the first token is served", m: open, body: mutation, header: bearer(token1), wantStatus: http.StatusOK},
		{name: "a mutation with the second token is served", m: open, body: mutation, header: bearer(token2), wantStatus: http.StatusOK},
		{name: "the scheme is case-insensitive", m: open, body: mutation, header: map[string]string{"Authorization": "bearer " + token1}, wantStatus: http.StatusOK},
		{name: "a query without a token is served", m: open, body: query, wantStatus: http.StatusOK},
		{name: "a GET query without a token is served", m: open, method: http.MethodGet, query: `{ status { head } }`, wantStatus: http.StatusOK},
		{name: "a query with an invalid token is refused", m: open, body: query, header: bearer("token-nobody-0123456789ab"),
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "an SSE subscription without a token is refused with 401", m: open, body: subscription, header: sse(nil),
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "with --auth-queries a query without a token is refused", m: closed, body: query,
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "with --auth-queries a GET query without a token is refused", m: closed, method: http.MethodGet, query: `{ status { head } }`,
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "with --auth-queries introspection without a token is refused", m: closed, body: gqlBody(t, `{ __schema { queryType { name } } }`, nil),
			wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "with --auth-queries a query with a token is served", m: closed, body: query, header: bearer(token1), wantStatus: http.StatusOK},
		{name: "without --auth-tokens a mutation needs no token", m: none, body: mutation, wantStatus: http.StatusOK},
		{name: "without --auth-tokens an Authorization header is ignored", m: none, body: mutation, header: bearer("whatever"), wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.m.URL() + "/graphql"
			method := http.MethodPost
			if tt.method == http.MethodGet {
				method, url = http.MethodGet, url+"?query="+neturl.QueryEscape(tt.query)
			}
			before := head(t, tt.m)
			x := send(t, method, url, tt.body, tt.header)
			if x.status != tt.wantStatus || x.code() != tt.wantCode {
				t.Fatalf("status %d code %q, want %d %q: %s", x.status, x.code(), tt.wantStatus, tt.wantCode, x.body)
			}
			if tt.wantStatus == http.StatusUnauthorized {
				// A client that gets 401 reads the body as JSON, if at all: an SSE client
				// (EventSource, graphql-sse) reads no event stream after a failed status.
				if ct := x.header.Get("Content-Type"); ct != "application/json" || !json.Valid(x.body) {
					t.Errorf("a 401 of Content-Type %q and body %q, want a JSON body", ct, x.body)
				}
				if !strings.HasPrefix(x.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", x.header.Get("WWW-Authenticate"))
				}
				if strings.Contains(string(x.body), token1[:12]) {
					t.Errorf("the refusal echoes a token: %s", x.body)
				}
				if after := head(t, tt.m); after != before {
					t.Errorf("a refused request wrote: head %d → %d", before, after)
				}
			}
		})
	}
}

// head returns the log's head position, asking with a token when the server wants one.
func head(tb testing.TB, m *Main) int64 {
	tb.Helper()
	c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(tb)), graphtest.WithHeader("Authorization", "Bearer "+token1))
	return decode[struct{ Status struct{ Head int64 } }](tb, gql(tb, c, `{ status { head } }`, nil)).Status.Head
}

func TestAuth_SSEWithATokenStreams(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--auth-tokens", token1)
	c := graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)), graphtest.WithHeader("Authorization", "Bearer "+token1))
	sub, err := c.SubscribeSSE(testCtx(t), `subscription { events(afterPosition: 0) { type } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	gql(t, c, createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("m1")}})
	r, err := sub.Next(testCtx(t))
	if err != nil || r.Code() != "" || !strings.Contains(string(r.Data), "RestaurantCreated") {
		t.Fatalf("next: %v %+v", err, r)
	}
}

func TestAuth_WebSocket(t *testing.T) {
	m, _ := startMain(t, "--store", "memory", "--auth-tokens", token1+","+token2)
	withHeader := func(v string) http.Header { return http.Header{"Authorization": {v}} }
	tests := []struct {
		name       string
		proto      string
		header     http.Header
		payload    any
		wantAck    bool
		wantStatus websocket.StatusCode
	}{
		{name: "no token is closed with 4401", proto: "graphql-transport-ws", payload: map[string]any{}, wantStatus: 4401},
		{name: "no token on graphql-ws is closed with 4401", proto: "graphql-ws", payload: map[string]any{}, wantStatus: 4401},
		{name: "an unknown token is closed with 4403", proto: "graphql-transport-ws",
			payload: map[string]any{"Authorization": "Bearer token-nobody-0123456789ab"}, wantStatus: 4403},
		{name: "an unknown authToken is closed with 4403", proto: "graphql-ws",
			payload: map[string]any{"authToken": "token-nobody-0123456789ab"}, wantStatus: 4403},
		{name: "a malformed Authorization is closed with 4403", proto: "graphql-transport-ws",
			payload: map[string]any{"Authorization": token1}, wantStatus: 4403},
		{name: "a token in the init payload is accepted", proto: "graphql-transport-ws",
			payload: map[string]any{"Authorization": "Bearer " + token2}, wantAck: true},
		{name: "an authToken in the init payload is accepted", proto: "graphql-ws",
			payload: map[string]any{"authToken": token1}, wantAck: true},
		{name: "a token in the upgrade request's header is accepted", proto: "graphql-transport-ws",
			header: withHeader("Bearer " + token1), payload: map[string]any{}, wantAck: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialWS(t, m, tt.proto, tt.header)
			ack, status, msg := c.init(tt.payload)
			if ack != tt.wantAck || status != tt.wantStatus {
				t.Fatalf("ack %v close %d (%q), want ack %v close %d", ack, status, msg, tt.wantAck, tt.wantStatus)
			}
			if tt.proto == "graphql-ws" && !ack && !strings.Contains(msg, "UNAUTHENTICATED") {
				t.Errorf("connection_error %q, want UNAUTHENTICATED", msg)
			}
			if !ack {
				return
			}
			start := "subscribe"
			if tt.proto == "graphql-ws" {
				start = "start"
			}
			// From the current head: the event of the mutation below arrives however late the
			// subscription starts.
			c.send(wsMsg{ID: "1", Type: start, Payload: []byte(gqlBody(t, `subscription($p: Int64) { events(afterPosition: $p) { type } }`,
				map[string]any{"p": head(t, m)}))})
			gql(t, graphtest.New(m.URL()+"/graphql", graphtest.WithHTTPClient(httpClient(t)), graphtest.WithHeader("Authorization", "Bearer "+token1)),
				createRestaurant, map[string]any{"in": map[string]any{"name": "Trattoria", "menu": menu("m1")}})
			if got := c.next(); (got.Type != "next" && got.Type != "data") || !strings.Contains(string(got.Payload), "RestaurantCreated") {
				t.Fatalf("got %s %s, want the event", got.Type, got.Payload)
			}
		})
	}
	t.Run("an invalid token in the upgrade request's header is refused with 401", func(t *testing.T) {
		_, resp, err := websocket.Dial(testCtx(t), "ws"+strings.TrimPrefix(m.URL(), "http")+"/graphql", &websocket.DialOptions{
			HTTPClient: httpClient(t), HTTPHeader: withHeader("Bearer token-nobody-0123456789ab"), Subprotocols: []string{"graphql-transport-ws"},
		})
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("dial: %v %v, want 401", err, resp)
		}
	})
}

func TestParseConfig_authTokens(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tokens")
	if err := os.WriteFile(file, []byte("# ops\n"+token1+"\n\n  "+token2+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The operating system's own words for a missing file ("no such file or directory" on
	// Unix, others on Windows), which the refusal passes on.
	_, notExist := os.Open(filepath.Join(dir, "missing"))
	if notExist == nil {
		t.Fatal("a file that was never written exists")
	}
	notExist = errors.Unwrap(notExist) // the cause alone, not the path
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# none\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// As Windows PowerShell 5's Out-File writes it: a byte order mark, CRLF line ends.
	bom := filepath.Join(dir, "bom")
	if err := os.WriteFile(bom, []byte("\ufeff# ops\r\n"+token1+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bomToken := filepath.Join(dir, "bom-token")
	if err := os.WriteFile(bomToken, []byte("\ufeff"+token1+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	utf16 := filepath.Join(dir, "utf16")
	if err := os.WriteFile(utf16, []byte("\xff\xfe1\x002\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    []string
		wantErr string
	}{
		{name: "a list of tokens", args: []string{"--auth-tokens", token1 + ", " + token2}, want: []string{token1, token2}},
		{name: "tokens from the environment", env: map[string]string{"EVENTGRAPH_AUTH_TOKENS": token1}, want: []string{token1}},
		{name: "the flag replaces the environment's tokens", args: []string{"--auth-tokens", token2},
			env: map[string]string{"EVENTGRAPH_AUTH_TOKENS": token1}, want: []string{token2}},
		{name: "a token file, comments and blank lines ignored", args: []string{"--auth-token-file", file}, want: []string{token1, token2}},
		{name: "a list and a file together", args: []string{"--auth-tokens", token1, "--auth-token-file", file}, want: []string{token1, token1, token2}},
		{name: "a byte order mark before a comment is dropped", args: []string{"--auth-token-file", bom}, want: []string{token1}},
		{name: "a byte order mark before a token is dropped", args: []string{"--auth-token-file", bomToken}, want: []string{token1}},
		{name: "a token file in UTF-16 is refused", args: []string{"--auth-token-file", utf16}, wantErr: "UTF-16"},
		{name: "a token with a zero-width space is refused", args: []string{"--auth-tokens", token1 + "\u200b"}, wantErr: "invisible"},
		{name: "no tokens by default"},
		{name: "a short token is refused", args: []string{"--auth-tokens", "short"}, wantErr: "at least 16"},
		// Characters, not bytes: 15 of them in 30 bytes are too short.
		{name: "a token of 15 two-byte characters is refused", args: []string{"--auth-tokens", strings.Repeat("é", 15)}, wantErr: "token 1 is 15 characters long"},
		{name: "a token of 16 characters is enough", args: []string{"--auth-tokens", strings.Repeat("é", 16)}, want: []string{strings.Repeat("é", 16)}},
		{name: "a token with a space is refused", args: []string{"--auth-tokens", token1[:10] + " " + token1[10:]}, wantErr: "whitespace"},
		{name: "a short token in a file is refused", args: []string{"--auth-token-file", short}, wantErr: "at least 16"},
		{name: "an empty token file is refused", args: []string{"--auth-token-file", empty}, wantErr: "no token"},
		{name: "an empty list of tokens is refused", args: []string{"--auth-tokens", ""}, wantErr: "no token"},
		{name: "a list of separators only is refused", args: []string{"--auth-tokens", " , "}, wantErr: "no token"},
		{name: "a missing token file is refused", args: []string{"--auth-token-file", filepath.Join(dir, "missing")}, wantErr: notExist.Error()},
		{name: "--auth-queries without tokens is refused", args: []string{"--auth-queries"}, wantErr: "--auth-queries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.args, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "short\n") || strings.Contains(err.Error(), token1) {
					t.Errorf("the error %q shows a token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Tokens(); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("tokens %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMain_tokensAreNeverLogged(t *testing.T) {
	_, logs := startMain(t, "--store", "memory", "--auth-tokens", token1, "--log-level", "debug")
	if strings.Contains(logs.String(), token1) || !strings.Contains(logs.String(), "bearer token required") {
		t.Errorf("logs %q: want the auth setting without the token", logs.String())
	}
}

// A WebSocket connection refused at connection_init is logged and counted as a refused HTTP
// request is: its line (status 101) names UNAUTHENTICATED in codes, and
// graphql_operations_total counts it (type "unknown": no operation ran). Before, the line
// said status=101 only and no metric moved, so refused logins showed nowhere.
func TestAuth_WebSocketRefusalIsLoggedAndCounted(t *testing.T) {
	m := NewMain()
	logs := runMain(t, m, "--store", "memory", "--auth-tokens", token1, "--log-format", "json")
	const refused = `eventgraph_graphql_operations_total{outcome="UNAUTHENTICATED",type="unknown"}`
	tests := []struct {
		name      string
		proto     string
		payload   any
		wantClose websocket.StatusCode // 0: accepted
	}{
		{"no token over graphql-transport-ws", "graphql-transport-ws", map[string]any{}, 4401},
		{"an invalid token over graphql-transport-ws", "graphql-transport-ws", map[string]any{"Authorization": "Bearer token-nobody-0123456789ab"}, 4403},
		{"no token over graphql-ws", "graphql-ws", map[string]any{}, 4401},
		{"an invalid token over graphql-ws", "graphql-ws", map[string]any{"authToken": "token-nobody-0123456789ab"}, 4403},
		{"a valid token is neither", "graphql-transport-ws", map[string]any{"Authorization": "Bearer " + token1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := scrapeMetrics(t, m)[refused]
			c, local := dialWSFrom(t, m, tt.proto)
			if ack, status, msg := c.init(tt.payload); ack != (tt.wantClose == 0) || status != tt.wantClose {
				t.Fatalf("ack %v close %d (%q), want close %d", ack, status, msg, tt.wantClose)
			}
			// Counted before the connection was closed: no wait.
			wantCount := before
			if tt.wantClose != 0 {
				wantCount++
			}
			if got := scrapeMetrics(t, m)[refused]; got != wantCount {
				t.Errorf("%s = %v, want %v", refused, got, wantCount)
			}
			_ = c.conn.CloseNow() // the connection's line is written when it closes
			raw := logs.await(t, "for the connection from "+local, func(l string) bool {
				return strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"remote":"`+local+`"`)
			})
			var got struct {
				Level  string
				Status int
				Codes  string
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			wantCodes := ""
			if tt.wantClose != 0 {
				wantCodes = "UNAUTHENTICATED"
			}
			if got.Status != http.StatusSwitchingProtocols || got.Codes != wantCodes || got.Level != "INFO" {
				t.Errorf("logged %s\nwant status 101 codes %q at INFO", raw, wantCodes)
			}
		})
	}
}

// dialWSFrom is dialWS without headers that also returns the connection's local address:
// the remote address the server logs for it.
func dialWSFrom(tb testing.TB, m *Main, proto string) (*wsClient, string) {
	tb.Helper()
	local := make(chan string, 1)
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			local <- conn.LocalAddr().String()
		}
		return conn, err
	}}
	tb.Cleanup(transport.CloseIdleConnections)
	conn, _, err := websocket.Dial(testCtx(tb), "ws"+strings.TrimPrefix(m.URL(), "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   &http.Client{Transport: transport},
		Subprotocols: []string{proto},
	})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{tb: tb, conn: conn}, <-local
}
