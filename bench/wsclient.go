package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/coder/websocket"
)

// wsSubscriber is the fan-out case's subscriber: one graphql-transport-ws connection with one
// subscription, read on the caller's goroutine.
//
// It is not graphtest's client on purpose. The benchmark's 1,000 subscribers share the two
// cores with the server they measure, and graphtest's client (built for tests: every message
// decoded three times with encoding/json, into maps, and handed between two goroutines) cost
// the fan-out case a fair share of its CPU, and even one encoding/json decode of each message
// was a tenth. This one reads each message into a buffer it reuses, on the goroutine that
// waits for it, and takes the type and the position out with a scan (the server writes
// compact JSON). TestWSSubscriber and TestMessageType check it. TestWSSubscriber checks it against the
// real server.
type wsSubscriber struct {
	conn *websocket.Conn
	buf  bytes.Buffer
}

// dialSubscriber opens a subscription to query, which selects events { position }, on the
// GraphQL endpoint url.
func dialSubscriber(ctx context.Context, hc *http.Client, url, query string) (*wsSubscriber, error) {
	if rest, ok := strings.CutPrefix(url, "http"); ok {
		url = "ws" + rest
	}
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc, Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	s := &wsSubscriber{conn: conn}
	fail := func(err error) (*wsSubscriber, error) {
		_ = conn.CloseNow()
		return nil, err
	}
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{}}`)); err != nil {
		return fail(err)
	}
	for acked := false; !acked; {
		m, err := s.read(ctx)
		if err != nil {
			return fail(err)
		}
		switch messageType(m) {
		case "connection_ack":
			acked = true
		case "ping", "pong":
		default:
			return fail(fmt.Errorf("expected connection_ack, got %s", m))
		}
	}
	sub, err := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query}})
	if err != nil {
		return fail(err)
	}
	if err := conn.Write(ctx, websocket.MessageText, sub); err != nil {
		return fail(err)
	}
	return s, nil
}

// read reads the next message into the subscriber's buffer and returns it, valid until the
// next read.
func (s *wsSubscriber) read(ctx context.Context) ([]byte, error) {
	_, r, err := s.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	s.buf.Reset()
	if _, err := s.buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return s.buf.Bytes(), nil
}

// next returns the position of the next event delivered, answering pings on the way. A
// message that is not a clean "next" (errors, complete, anything unexpected) is an error that
// quotes it.
func (s *wsSubscriber) next(ctx context.Context) (int64, error) {
	for {
		m, err := s.read(ctx)
		if err != nil {
			return 0, err
		}
		switch messageType(m) {
		case "next":
			if bytes.Contains(m, []byte(`"errors":`)) {
				return 0, fmt.Errorf("subscription error: %s", m)
			}
			return position(m)
		case "ping":
			if err := s.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`)); err != nil {
				return 0, err
			}
		case "pong":
		default:
			return 0, fmt.Errorf("subscription ended: %s", m)
		}
	}
}

// messageType returns the value of the "type" key of the JSON object m (compact, as the
// server writes it), skipping nested objects and strings, or "" when it has none.
func messageType(m []byte) string {
	depth := 0
	for i := 0; i < len(m); i++ {
		switch m[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			end := i + 1 // the closing quote
			for end < len(m) && m[end] != '"' {
				if m[end] == '\\' {
					end++
				}
				end++
			}
			if end+2 >= len(m) {
				return ""
			}
			if depth == 1 && m[end+1] == ':' && string(m[i+1:end]) == "type" && m[end+2] == '"' {
				value, _, ok := bytes.Cut(m[end+3:], []byte(`"`))
				if !ok {
					return ""
				}
				return string(value)
			}
			i = end
		}
	}
	return ""
}

// position reads the integer after the message's "position" key: the only one in a "next"
// message of the fan-out's subscription (a string's quotes are escaped, so the key cannot be
// matched inside one).
func position(m []byte) (int64, error) {
	_, rest, ok := bytes.Cut(m, []byte(`"position":`))
	if !ok {
		return 0, fmt.Errorf("no position in %s", m)
	}
	end := 0
	for end < len(rest) && '0' <= rest[end] && rest[end] <= '9' {
		end++
	}
	p, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad position in %s: %w", m, err)
	}
	return p, nil
}

// close completes the subscription and closes the connection.
func (s *wsSubscriber) close(ctx context.Context) error {
	err := s.conn.Write(ctx, websocket.MessageText, []byte(`{"id":"1","type":"complete"}`))
	if cerr := s.conn.Close(websocket.StatusNormalClosure, ""); cerr != nil && !errors.Is(cerr, context.Canceled) {
		err = errors.Join(err, cerr)
	}
	return err
}
