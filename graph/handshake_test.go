package graph_test

import (
	"bufio"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
	"github.com/eventgraph/eventgraph/internal/syncbuf"
)

// TestHandler_webSocketHandshakes checks that a request with an Upgrade header that is no
// valid WebSocket handshake gets a JSON error with code BAD_REQUEST (426 with
// Sec-WebSocket-Version: 13 for another version of the protocol, else 400) that quotes none
// of its headers, and that nothing is logged with the standard logger: gqlgen answered 426
// with coder/websocket's text (quoting the header) followed by its own JSON, and logged
// the whole header value. A Sec-WebSocket-Protocol header that offers neither subprotocol is
// refused so too: gqlgen upgraded it without a subprotocol and spoke graphql-ws. A valid
// handshake still upgrades, with the subprotocol the client lists first of the two (gqlgen
// chose graphql-ws whenever it was offered), or none without the header.
func TestHandler_webSocketHandshakes(t *testing.T) {
	logged, prev := &syncbuf.Buffer{}, log.Writer()
	log.SetOutput(logged) // gqlgen's transports log with the standard logger
	t.Cleanup(func() { log.SetOutput(prev) })
	e := newEnv(t)

	// marker is put in the headers that are refused, to find them echoed.
	const marker = "Zq9marker"
	key16 := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	valid := []string{
		"Connection: Upgrade",
		"Upgrade: websocket",
		"Sec-WebSocket-Version: 13",
		"Sec-WebSocket-Key: " + key16,
		"Sec-WebSocket-Protocol: graphql-transport-ws",
	}
	// with returns the valid headers with name's replaced by values (none: left out).
	with := func(name string, values ...string) []string {
		out := slices.DeleteFunc(slices.Clone(valid), func(h string) bool { return strings.HasPrefix(h, name+":") })
		for _, v := range values {
			out = append(out, name+": "+v)
		}
		return out
	}
	tests := []struct {
		name         string
		method       string // GET when empty
		proto        string // HTTP/1.1 when empty
		header       []string
		wantStatus   int
		wantMessage  string // a part of the error's message
		wantUpgraded bool
		wantProtocol string // the subprotocol of the upgrade
	}{
		{name: "a Connection header without the upgrade token", header: with("Connection", "keep-alive, "+marker),
			wantStatus: http.StatusBadRequest, wantMessage: "the token upgrade in its Connection header"},
		{name: "no Connection header", header: with("Connection"),
			wantStatus: http.StatusBadRequest, wantMessage: "the token upgrade in its Connection header"},
		{name: "an Upgrade to another protocol", header: with("Upgrade", "h2c-"+marker),
			wantStatus: http.StatusBadRequest, wantMessage: "upgrades a GET to a WebSocket only"},
		{name: "an Upgrade that only starts like websocket", header: with("Upgrade", "websocket"+marker),
			wantStatus: http.StatusBadRequest, wantMessage: "upgrades a GET to a WebSocket only"},
		{name: "a POST", method: http.MethodPost, header: append(with("Connection", "Upgrade, "+marker), "Content-Length: 0"),
			wantStatus: http.StatusBadRequest, wantMessage: "must be a GET"},
		{name: "a PUT", method: http.MethodPut, header: append(with("Connection", "Upgrade, "+marker), "Content-Length: 0"),
			wantStatus: http.StatusBadRequest, wantMessage: "must be a GET"},
		{name: "HTTP/1.0", proto: "HTTP/1.0", header: with("Connection", "Upgrade, "+marker),
			wantStatus: http.StatusBadRequest, wantMessage: "needs HTTP/1.1"},
		{name: "another version", header: with("Sec-WebSocket-Version", "8"),
			wantStatus: http.StatusUpgradeRequired, wantMessage: "version 13 of the WebSocket protocol only"},
		{name: "a version that is no number", header: with("Sec-WebSocket-Version", marker),
			wantStatus: http.StatusUpgradeRequired, wantMessage: "version 13 of the WebSocket protocol only"},
		{name: "no version", header: with("Sec-WebSocket-Version"),
			wantStatus: http.StatusUpgradeRequired, wantMessage: "version 13 of the WebSocket protocol only"},
		{name: "no key", header: with("Sec-WebSocket-Key"),
			wantStatus: http.StatusBadRequest, wantMessage: "one Sec-WebSocket-Key header"},
		{name: "a key that is not base64", header: with("Sec-WebSocket-Key", marker+"!!"),
			wantStatus: http.StatusBadRequest, wantMessage: "one Sec-WebSocket-Key header"},
		{name: "a key of 15 bytes", header: with("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString([]byte(marker+"abcdef"))),
			wantStatus: http.StatusBadRequest, wantMessage: "one Sec-WebSocket-Key header"},
		{name: "a key of 100 KB", header: with("Sec-WebSocket-Key", strings.Repeat(marker, 100_000/len(marker))),
			wantStatus: http.StatusBadRequest, wantMessage: "one Sec-WebSocket-Key header"},
		{name: "two keys", header: with("Sec-WebSocket-Key", key16, key16),
			wantStatus: http.StatusBadRequest, wantMessage: "one Sec-WebSocket-Key header"},
		{name: "a subprotocol the endpoint does not speak", header: with("Sec-WebSocket-Protocol", "graphql-transport-ws-v2, "+marker),
			wantStatus: http.StatusBadRequest, wantMessage: "offer graphql-transport-ws or graphql-ws"},
		{name: "a subprotocol in another case", header: with("Sec-WebSocket-Protocol", "GRAPHQL-WS"),
			wantStatus: http.StatusBadRequest, wantMessage: "offer graphql-transport-ws or graphql-ws"},

		{name: "a valid handshake", header: valid,
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: "graphql-transport-ws"},
		{name: "a valid handshake with tokens in lists and in any case",
			header:     append(with("Connection", "keep-alive, UPGRADE"), "Upgrade: foo", "Upgrade: WebSocket"),
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: "graphql-transport-ws"},
		{name: "no Sec-WebSocket-Protocol is graphql-ws without the header", header: with("Sec-WebSocket-Protocol"),
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: ""},
		{name: "an empty Sec-WebSocket-Protocol offers none", header: with("Sec-WebSocket-Protocol", ""),
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: ""},
		{name: "both subprotocols, graphql-transport-ws first", header: with("Sec-WebSocket-Protocol", "graphql-transport-ws, graphql-ws"),
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: "graphql-transport-ws"},
		{name: "both subprotocols, graphql-ws first", header: with("Sec-WebSocket-Protocol", "graphql-ws", "graphql-transport-ws"),
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: "graphql-ws"},
		{name: "an unknown subprotocol before graphql-transport-ws", header: with("Sec-WebSocket-Protocol", "foo, graphql-transport-ws, graphql-ws"),
			wantStatus: http.StatusSwitchingProtocols, wantUpgraded: true, wantProtocol: "graphql-transport-ws"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, proto := cmp.Or(tt.method, http.MethodGet), cmp.Or(tt.proto, "HTTP/1.1")
			resp, body := rawRequest(t, e, fmt.Sprintf("%s /graphql %s", method, proto), tt.header)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %s %.200s, want %d", resp.Status, body, tt.wantStatus)
			}
			if tt.wantUpgraded {
				if got := resp.Header.Values("Sec-WebSocket-Protocol"); strings.Join(got, ", ") != tt.wantProtocol {
					t.Fatalf("upgraded with subprotocol %q, want %q", got, tt.wantProtocol)
				}
				return
			}
			var r struct {
				Data   json.RawMessage
				Errors []struct {
					Message    string
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatalf("the body %.200q is not one JSON value: %v", body, err)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" || r.Data != nil || len(r.Errors) != 1 ||
				r.Errors[0].Extensions.Code != "BAD_REQUEST" || !strings.Contains(r.Errors[0].Message, tt.wantMessage) {
				t.Fatalf("got %s %s; want one BAD_REQUEST error saying %q", ct, body, tt.wantMessage)
			}
			if strings.Contains(string(body), marker) || len(body) > 300 {
				t.Errorf("the error quotes a header: %.300s", body)
			}
			if tt.wantStatus == http.StatusUpgradeRequired {
				if v, up := resp.Header.Get("Sec-WebSocket-Version"), resp.Header.Get("Upgrade"); v != "13" || up != "websocket" {
					t.Errorf("426 with Sec-WebSocket-Version %q and Upgrade %q, want 13 and websocket", v, up)
				}
			}
		})
	}
	if s := logged.String(); s != "" {
		t.Errorf("the standard logger got %.300q", s)
	}
}

// rawRequest sends a request of the request line and header lines, without a body, over a
// connection of its own, and returns the response and its body; for 101 Switching
// Protocols, no body. The connection is closed before it returns.
func rawRequest(tb testing.TB, e *env, line string, header []string) (*http.Response, []byte) {
	tb.Helper()
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if deadline, ok := testContext(tb).Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	req := line + "\r\nHost: " + e.srv.Listener.Addr().String() + "\r\n" + strings.Join(header, "\r\n") + "\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		tb.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tb.Fatalf("%s: %v", line, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s: reading the body: %v", line, err)
	}
	return resp, body
}

// TestHandler_webSocketSubprotocolPreference checks that a client that offers both
// subprotocols is spoken to in the one it lists first (RFC 6455 §4.1: "ordered by
// preference"), through coder/websocket's client: gqlgen's transport chose graphql-ws
// whenever a client offered it. An operation runs in the subprotocol chosen.
func TestHandler_webSocketSubprotocolPreference(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		offer     []string
		want      graphtest.Protocol
		startType string // a start (subscribe) message of the subprotocol
		dataType  string // its result message
	}{
		{[]string{"graphql-transport-ws", "graphql-ws"}, graphtest.TransportWS, "subscribe", "next"},
		{[]string{"graphql-ws", "graphql-transport-ws"}, graphtest.LegacyWS, "start", "data"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.offer, ", "), func(t *testing.T) {
			conn, _, err := websocket.Dial(testContext(t), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
				HTTPClient: e.http, Subprotocols: tt.offer,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = conn.CloseNow() })
			if got := conn.Subprotocol(); got != string(tt.want) {
				t.Fatalf("offered %q: the server chose %q, want %q", tt.offer, got, tt.want)
			}
			c := &wsClient{tb: t, conn: conn}
			c.init()
			c.start(tt.startType, "1", `{ status { head } }`)
			c.next(tt.dataType, "1")
			c.next("complete", "1")
		})
	}
}

// TestHandler_webSocketUnknownSubprotocol checks that a client that offers only a
// subprotocol the endpoint does not speak cannot open a WebSocket: the handshake is refused
// with 400, and IsWebSocketHandshake says so, as cmd/api asks it before it frees the request
// of its deadlines. gqlgen's transport upgraded it and spoke graphql-ws.
func TestHandler_webSocketUnknownSubprotocol(t *testing.T) {
	e := newEnv(t)
	conn, resp, err := websocket.Dial(testContext(t), "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/graphql", &websocket.DialOptions{
		HTTPClient: e.http, Subprotocols: []string{"graphql-transport-ws-v2"},
	})
	if err == nil {
		_ = conn.CloseNow()
		t.Fatalf("offered only graphql-transport-ws-v2: upgraded with subprotocol %q", conn.Subprotocol())
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("dial: %v; want 400", err)
	}

	r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")))
	if !graph.IsWebSocketHandshake(r) {
		t.Fatal("a handshake without Sec-WebSocket-Protocol is not one")
	}
	for offer, want := range map[string]bool{"graphql-ws": true, "graphql-transport-ws-v2": false, "foo, graphql-transport-ws": true} {
		r.Header.Set("Sec-WebSocket-Protocol", offer)
		if got := graph.IsWebSocketHandshake(r); got != want {
			t.Errorf("with Sec-WebSocket-Protocol: %s, IsWebSocketHandshake is %v, want %v", offer, got, want)
		}
	}
}
