package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

func (e gqlError) Error() string {
	if e.Extensions.Code != "" {
		return e.Extensions.Code + ": " + e.Message
	}
	return e.Message
}

// response is a GraphQL response.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// err returns the response's errors as one error, or nil.
func (r response) err() error {
	errs := make([]error, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// client sends GraphQL operations to one endpoint: queries and mutations with
// HTTP POST, subscriptions over a WebSocket speaking graphql-transport-ws.
type client struct {
	url   string // http(s)://host/graphql
	token string // bearer token sent with every operation, if not ""
	http  *http.Client
}

// do sends a query or mutation and decodes its data into out.
func (c *client) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("HTTP %d, not a GraphQL response: %.200q", res.StatusCode, b)
	}
	if err := r.err(); err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return json.Unmarshal(r.Data, out)
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscription is one GraphQL subscription over its own WebSocket.
type subscription struct {
	conn *websocket.Conn
}

// wsURL returns the WebSocket URL of an http(s) endpoint.
func wsURL(httpURL string) (string, error) {
	u, err := url.Parse(httpURL)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("url %q: want http or https", httpURL)
	}
	return u.String(), nil
}

// subscribe opens a WebSocket, does the graphql-transport-ws handshake
// (connection_init, connection_ack) and starts the subscription.
func (c *client) subscribe(ctx context.Context, query string, vars map[string]any) (*subscription, error) {
	u, err := wsURL(c.url)
	if err != nil {
		return nil, err
	}
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient:   c.http,
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	if conn.Subprotocol() != "graphql-transport-ws" {
		conn.Close(websocket.StatusProtocolError, "")
		return nil, fmt.Errorf("websocket: server chose subprotocol %q, want graphql-transport-ws", conn.Subprotocol())
	}
	conn.SetReadLimit(1 << 20)
	s := &subscription{conn: conn}
	initPayload := json.RawMessage(`{}`)
	if c.token != "" {
		// The graphql-transport-ws way to authenticate: browsers cannot set headers on a WebSocket.
		if initPayload, err = json.Marshal(map[string]string{"Authorization": "Bearer " + c.token}); err != nil {
			s.close()
			return nil, err
		}
	}
	if err := wsjson.Write(ctx, conn, wsMessage{Type: "connection_init", Payload: initPayload}); err != nil {
		s.close()
		return nil, fmt.Errorf("websocket: connection_init: %w", err)
	}
	var ack wsMessage
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack.Type != "connection_ack" {
		s.close()
		return nil, fmt.Errorf("websocket: want connection_ack, got %q (%v)", ack.Type, err)
	}
	payload, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		s.close()
		return nil, err
	}
	if err := wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		s.close()
		return nil, fmt.Errorf("websocket: subscribe: %w", err)
	}
	return s, nil
}

// next waits for the subscription's next result and decodes its data into out.
// It answers the server's pings and fails when the subscription ends.
func (s *subscription) next(ctx context.Context, out any) error {
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, s.conn, &m); err != nil {
			return fmt.Errorf("websocket: %w", err)
		}
		switch m.Type {
		case "next":
			var r response
			if err := json.Unmarshal(m.Payload, &r); err != nil {
				return fmt.Errorf("websocket: bad next payload: %w", err)
			}
			if err := r.err(); err != nil {
				return err
			}
			return json.Unmarshal(r.Data, out)
		case "error":
			var errs []gqlError
			_ = json.Unmarshal(m.Payload, &errs)
			r := response{Errors: errs}
			if err := r.err(); err != nil {
				return err
			}
			return errors.New("subscription failed")
		case "complete":
			return errors.New("subscription completed by the server")
		case "ping":
			if err := wsjson.Write(ctx, s.conn, wsMessage{Type: "pong"}); err != nil {
				return fmt.Errorf("websocket: pong: %w", err)
			}
		case "pong", "ka":
		default:
			return fmt.Errorf("websocket: unexpected message %q", m.Type)
		}
	}
}

// close completes the subscription and closes the WebSocket normally.
func (s *subscription) close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_ = wsjson.Write(ctx, s.conn, wsMessage{ID: "1", Type: "complete"})
	_ = s.conn.Close(websocket.StatusNormalClosure, "bye")
}

// oneLine squeezes a JSON value into one line for printing.
func oneLine(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}
