package graph

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// sentConn is a transport.WebsocketConn that records the messages written to it.
type sentConn struct {
	transport.WebsocketConn
	sent []string
}

func (c *sentConn) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	c.sent = append(c.sent, string(b))
	return err
}

// TestGuardedConn_WriteJSON checks both ways messages are routed: gqlgen's message struct
// (fields set by reflection) and, should its shape change, any other value through its JSON.
func TestGuardedConn_WriteJSON(t *testing.T) {
	type gqlgenMessage struct { // the shape of gqlgen's graphqltransportwsMessage
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
	}
	tests := []struct {
		name    string
		message func(id, typ string) any
		want    []string // what is sent: a1's messages and b1's complete after its error are dropped
	}{
		{"gqlgen's message struct", func(id, typ string) any {
			if id == "" {
				return &gqlgenMessage{Type: typ}
			}
			return &gqlgenMessage{ID: id, Type: typ, Payload: json.RawMessage(`{"n":1}`)}
		}, []string{
			`{"type":"connection_ack"}`,
			`{"payload":{"n":1},"id":"a","type":"next"}`,
			`{"payload":{"n":1},"id":"b","type":"next"}`,
			`{"payload":{"n":1},"id":"b","type":"error"}`,
		}},
		{"another value", func(id, typ string) any {
			if id == "" {
				return map[string]any{"type": typ}
			}
			return map[string]any{"id": id, "type": typ, "payload": map[string]int{"n": 1}}
		}, []string{
			`{"type":"connection_ack"}`,
			`{"id":"a","type":"next","payload":{"n":1}}`,
			`{"id":"b","type":"next","payload":{"n":1}}`,
			`{"id":"b","type":"error","payload":{"n":1}}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &sentConn{}
			g := &guardedConn{WebsocketConn: conn, owner: map[string]string{}, client: map[string]string{}}
			a1, _, _ := g.start("a", false)
			b1, _, _ := g.start("b", false)
			a2, old, _ := g.start("a", true) // a1 replaced: its messages are dropped
			if old != a1 {
				t.Fatalf("replaced %q, want %q", old, a1)
			}
			for _, m := range []struct{ id, typ string }{
				{"", "connection_ack"},
				{a1, "next"}, {a2, "next"}, {a1, "complete"}, {b1, "next"},
				{b1, "error"}, {b1, "complete"}, // gqlgen's complete after an error
			} {
				if err := g.WriteJSON(tt.message(m.id, m.typ)); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(conn.sent, tt.want) {
				t.Errorf("sent\n%q\nwant\n%q", conn.sent, tt.want)
			}
			if len(g.client) != 1 || g.client[a2] != "a" || len(g.owner) != 1 || g.owner["a"] != a2 {
				t.Errorf("after the ends of a1 and b1: client %v owner %v, want only a2 as a", g.client, g.owner)
			}
		})
	}
}
