package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// Two bearer tokens the security tests configure.
const (
	token1 = "token-one-0123456789abcdef"
	token2 = "token-two-0123456789abcdef"
)

// exchange is an HTTP request's outcome: the response (body read) and its GraphQL body.
type exchange struct {
	status int
	header http.Header
	body   []byte
	gql    graphtest.Response
}

// code returns the first GraphQL error's code, or "".
func (x exchange) code() string { return x.gql.Code() }

// send sends an HTTP request with the given headers (Content-Type application/json when a
// body is given) and reads the whole response.
func send(tb testing.TB, method, url, body string, header map[string]string) exchange {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(testCtx(tb), method, url, r)
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient(tb).Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	x := exchange{status: resp.StatusCode, header: resp.Header}
	if x.body, err = io.ReadAll(resp.Body); err != nil {
		tb.Fatalf("%s %s: read body: %v", method, url, err)
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// The first "data:" line of an SSE stream holds the GraphQL response.
		for line := range strings.Lines(string(x.body)) {
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				_ = json.Unmarshal([]byte(d), &x.gql)
				break
			}
		}
	} else {
		_ = json.Unmarshal(x.body, &x.gql)
	}
	return x
}

// gqlBody returns the JSON body of a GraphQL request.
func gqlBody(tb testing.TB, query string, vars map[string]any) string {
	tb.Helper()
	b, err := json.Marshal(graphtest.Request{Query: query, Variables: vars})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// wsMsg is a message of the graphql-transport-ws and graphql-ws protocols.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is a raw WebSocket GraphQL connection, for tests that need what graphtest
// hides: init payloads, close codes, several subscriptions on one connection.
type wsClient struct {
	tb   testing.TB
	conn *websocket.Conn
}

// dialWS opens a WebSocket to the server's /graphql with the subprotocol and headers.
func dialWS(tb testing.TB, m *Main, proto string, header http.Header) *wsClient {
	tb.Helper()
	conn, _, err := websocket.Dial(testCtx(tb), "ws"+strings.TrimPrefix(m.URL(), "http")+"/graphql", &websocket.DialOptions{
		HTTPClient:   httpClient(tb),
		HTTPHeader:   header,
		Subprotocols: []string{proto},
	})
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{tb: tb, conn: conn}
}

func (c *wsClient) send(m wsMsg) {
	c.tb.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		c.tb.Fatal(err)
	}
	if err := c.conn.Write(testCtx(c.tb), websocket.MessageText, b); err != nil {
		c.tb.Fatalf("write %s: %v", m.Type, err)
	}
}

// read returns the next message other than keep-alives and pings, or the read error
// (websocket.CloseStatus tells the close code).
func (c *wsClient) read() (wsMsg, error) {
	for {
		_, b, err := c.conn.Read(testCtx(c.tb))
		if err != nil {
			return wsMsg{}, err
		}
		var m wsMsg
		if err := json.Unmarshal(b, &m); err != nil {
			return wsMsg{}, err
		}
		switch m.Type {
		case "ka", "ping", "pong":
			continue
		}
		return m, nil
	}
}

// init sends connection_init with payload and returns the answer: "connection_ack", or ""
// and the close status when the server closed the connection (after any connection_error,
// whose payload's message it returns).
func (c *wsClient) init(payload any) (ack bool, status websocket.StatusCode, message string) {
	c.tb.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.send(wsMsg{Type: "connection_init", Payload: p})
	for {
		m, err := c.read()
		if err != nil {
			if s := websocket.CloseStatus(err); s != -1 {
				return false, s, message
			}
			if errors.Is(err, context.DeadlineExceeded) {
				c.tb.Fatalf("no answer to connection_init")
			}
			c.tb.Fatalf("read: %v", err)
		}
		switch m.Type {
		case "connection_ack":
			return true, 0, ""
		case "connection_error":
			var e struct{ Message string }
			_ = json.Unmarshal(m.Payload, &e)
			message = e.Message
		default:
			c.tb.Fatalf("unexpected %s %s before connection_ack", m.Type, m.Payload)
		}
	}
}

// subscribe starts a graphql-transport-ws subscription with the id.
func (c *wsClient) subscribe(id, query string) {
	c.tb.Helper()
	c.send(wsMsg{ID: id, Type: "subscribe", Payload: json.RawMessage(gqlBody(c.tb, query, nil))})
}

// next returns the next message, failing the test on a read error.
func (c *wsClient) next() wsMsg {
	c.tb.Helper()
	m, err := c.read()
	if err != nil {
		c.tb.Fatalf("read: %v", err)
	}
	return m
}

// payloadCode returns the first error code of a next or error message's payload.
func payloadCode(tb testing.TB, m wsMsg) string {
	tb.Helper()
	var r graphtest.Response
	if m.Type == "error" {
		if err := json.Unmarshal(m.Payload, &r.Errors); err != nil {
			tb.Fatalf("error payload %s: %v", m.Payload, err)
		}
	} else if err := json.Unmarshal(m.Payload, &r); err != nil {
		tb.Fatalf("payload %s: %v", m.Payload, err)
	}
	return r.Code()
}
