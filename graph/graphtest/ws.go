package graphtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Protocol is a GraphQL-over-WebSocket subprotocol.
type Protocol string

// The subprotocols gqlgen's WebSocket transport speaks.
const (
	// TransportWS is the graphql-transport-ws protocol of the graphql-ws library.
	TransportWS Protocol = "graphql-transport-ws"
	// LegacyWS is the older subscriptions-transport-ws protocol, named graphql-ws.
	LegacyWS Protocol = "graphql-ws"
)

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// SubscribeWS opens a WebSocket to the endpoint with the given subprotocol, initialises the
// connection and starts one subscription on it. ctx bounds the setup only; the subscription
// runs until the server completes it or Close is called.
func (c *Client) SubscribeWS(ctx context.Context, proto Protocol, query string, vars map[string]any) (*Subscription, error) {
	u := c.url
	if rest, ok := strings.CutPrefix(u, "http"); ok {
		u = "ws" + rest // http→ws, https→wss
	}
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient:   c.http,
		HTTPHeader:   c.header.Clone(),
		Subprotocols: []string{string(proto)},
	})
	if err != nil {
		return nil, fmt.Errorf("graphtest: dial %s: %w", u, err)
	}
	conn.SetReadLimit(64 << 20)
	fail := func(err error) (*Subscription, error) {
		_ = conn.CloseNow()
		return nil, err
	}
	if conn.Subprotocol() != string(proto) {
		return fail(fmt.Errorf("graphtest: server chose subprotocol %q, want %q", conn.Subprotocol(), proto))
	}
	if err := writeWS(ctx, conn, wsMessage{Type: "connection_init", Payload: json.RawMessage(`{}`)}); err != nil {
		return fail(err)
	}
	for acked := false; !acked; {
		m, err := readWS(ctx, conn)
		if err != nil {
			return fail(err)
		}
		switch m.Type {
		case "connection_ack":
			acked = true
		case "ka", "ping", "pong":
		default:
			return fail(fmt.Errorf("graphtest: expected connection_ack, got %s %s", m.Type, m.Payload))
		}
	}
	payload, err := json.Marshal(Request{Query: query, Variables: vars})
	if err != nil {
		return fail(fmt.Errorf("graphtest: encode request: %w", err))
	}
	start, stop := "subscribe", "complete"
	if proto == LegacyWS {
		start, stop = "start", "stop"
	}
	const id = "1"
	if err := writeWS(ctx, conn, wsMessage{ID: id, Type: start, Payload: payload}); err != nil {
		return fail(err)
	}

	readCtx, cancelRead := context.WithCancel(context.Background())
	s := newSubscription(func() {
		wctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = writeWS(wctx, conn, wsMessage{ID: id, Type: stop})
		if proto == LegacyWS {
			_ = writeWS(wctx, conn, wsMessage{Type: "connection_terminate"})
		}
		_ = conn.Close(websocket.StatusNormalClosure, "")
		cancelRead()
	})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancelRead()
		s.finish(readLoop(readCtx, conn, s))
	}()
	return s, nil
}

// readLoop delivers the subscription's messages until it ends; it returns io.EOF on complete.
func readLoop(ctx context.Context, conn *websocket.Conn, s *Subscription) error {
	for {
		m, err := readWS(ctx, conn)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return io.EOF
			}
			return err
		}
		switch m.Type {
		case "next", "data":
			var r Response
			if err := json.Unmarshal(m.Payload, &r); err != nil {
				return fmt.Errorf("graphtest: bad %s payload: %w", m.Type, err)
			}
			if !s.deliver(&r) {
				return io.EOF
			}
		case "error", "connection_error":
			s.deliver(&Response{Errors: decodeErrors(m.Payload)})
			return io.EOF
		case "complete":
			return io.EOF
		case "ping":
			if err := writeWS(ctx, conn, wsMessage{Type: "pong"}); err != nil {
				return err
			}
		case "pong", "ka":
		default:
			return fmt.Errorf("graphtest: unexpected message %s", m.Type)
		}
	}
}

// decodeErrors reads an error payload: a list of errors or a single error.
func decodeErrors(p json.RawMessage) []Error {
	var list []Error
	if json.Unmarshal(p, &list) == nil {
		return list
	}
	var one Error
	if json.Unmarshal(p, &one) == nil {
		return []Error{one}
	}
	return []Error{{Message: string(p)}}
}

func writeWS(ctx context.Context, conn *websocket.Conn, m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("graphtest: write %s: %w", m.Type, err)
	}
	return nil
}

func readWS(ctx context.Context, conn *websocket.Conn) (wsMessage, error) {
	_, b, err := conn.Read(ctx)
	if err != nil {
		return wsMessage{}, err
	}
	var m wsMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return wsMessage{}, errors.New("graphtest: message is not JSON: " + string(b))
	}
	return m, nil
}
