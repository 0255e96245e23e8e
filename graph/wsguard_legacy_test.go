package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// wsError is the GraphQL error a graphql-ws error or connection_error carries.
type wsError struct {
	Message string
	Code    string // extensions.code
}

// nextError returns the error of the next message, failing the test unless the message has
// the type, error or connection_error, and id, and its payload has that type's shape: a
// list of one GraphQL error for error, as gqlgen sends its own, one error for
// connection_error.
func (c *wsClient) nextError(typ, id string) wsError {
	c.tb.Helper()
	m := c.next(typ, id)
	type gqlError struct {
		Message    string
		Extensions struct{ Code string }
	}
	var errs []gqlError
	var err error
	if typ == "error" {
		err = json.Unmarshal(m.Payload, &errs)
	} else {
		errs = make([]gqlError, 1)
		err = json.Unmarshal(m.Payload, &errs[0])
	}
	if err != nil || len(errs) != 1 {
		c.tb.Fatalf("%s payload %s: %v; want one GraphQL error", typ, m.Payload, err)
	}
	return wsError{Message: errs[0].Message, Code: errs[0].Extensions.Code}
}

// TestHandler_graphqlWSRefusesAStartWithoutARequest: a graphql-ws start whose payload is no
// GraphQL request gets error under its id with code BAD_REQUEST, as POST answers such a
// body (and graphql-transport-ws closes with 4400), and the connection goes on serving:
// gqlgen answered [{"message":"invalid json"}], without a code.
func TestHandler_graphqlWSRefusesAStartWithoutARequest(t *testing.T) {
	e := newEnv(t)
	c := e.dialWS(t, graphtest.LegacyWS)
	c.init()
	for _, send := range []string{
		`{"id": "1", "type": "start"}`,
		`{"id": "1", "type": "start", "payload": null}`,
		`{"id": "1", "type": "start", "payload": 5}`,
		`{"id": "1", "type": "start", "payload": "{ status { head } }"}`,
		`{"id": "1", "type": "start", "payload": {"query": 5}}`,
		`{"id": "1", "type": "start", "payload": {"query": "{ status { head } }", "operationName": 1}}`,
		`{"id": "1", "type": "start", "payload": {"query": "{ status { head } }", "variables": [1]}}`,
		`{"id": "1", "type": "start", "payload": {"query": "{ status { head } }", "extensions": "x"}}`,
	} {
		c.sendRaw(send)
		if err := c.nextError("error", "1"); err.Code != "BAD_REQUEST" || !strings.Contains(err.Message, "the start payload must be a GraphQL request") {
			t.Errorf("%s: got %+v, want BAD_REQUEST saying the payload must be a GraphQL request", send, err)
		}
	}
	c.start("start", "1", `{ status { head } }`)
	c.next("data", "1")
	c.next("complete", "1")
}

// TestHandler_operationIDsAreBounded: an operation's id of up to MaxOperationIDBytes is
// taken and repeated in its messages; a longer one is refused and not kept: over
// graphql-transport-ws with 4400 (see TestHandler_graphqlTransportWSCloseCodes), over
// graphql-ws with one error under it, which ends the operation for the client, the
// connection serving on. Each operation held its id while it
// ran, and each of its messages carried it, up to the read limit (1 MiB) each.
func TestHandler_operationIDsAreBounded(t *testing.T) {
	e := newEnv(t)
	longest := strings.Repeat("i", graph.MaxOperationIDBytes)
	for _, tr := range []graphtest.Protocol{graphtest.TransportWS, graphtest.LegacyWS} {
		c := e.dialWS(t, tr)
		c.init()
		kind := map[graphtest.Protocol]string{graphtest.TransportWS: "subscribe", graphtest.LegacyWS: "start"}[tr]
		data := map[graphtest.Protocol]string{graphtest.TransportWS: "next", graphtest.LegacyWS: "data"}[tr]
		c.start(kind, longest, `{ status { head } }`)
		c.next(data, longest)
		c.next("complete", longest)
		if tr == graphtest.TransportWS {
			continue
		}
		c.sendRaw(`{"id": "` + longest + `i", "type": "start", "payload": {"query": "{ status { head } }"}}`)
		err := c.nextError("error", longest+"i")
		if want := fmt.Sprintf("an id must be at most %d bytes", graph.MaxOperationIDBytes); err.Code != "BAD_REQUEST" || !strings.Contains(err.Message, want) {
			t.Errorf("a start with a longer id: got %+v, want BAD_REQUEST saying %q", err, want)
		}
		c.start(kind, "after", `{ status { head } }`)
		c.next(data, "after")
		c.next("complete", "after")
	}
}

// TestHandler_graphqlWSRefusedStartStopsItsID: a start refused for its payload under the id
// of a running operation stops that operation first, as a valid start does and as the
// reference server does; the error ends the id for the client, so nothing more of the
// operation is sent, not even its complete.
func TestHandler_graphqlWSRefusedStartStopsItsID(t *testing.T) {
	rec := newOpRecorder()
	e := newEnv(t, withConfig(graph.Config{Observer: rec}))
	e.create(t, restaurantInput("r1", "a"))
	c := e.dialWS(t, graphtest.LegacyWS)
	c.init()
	c.start("start", "x", `subscription { restaurantChanged(id: "r1") { version } }`)
	c.next("data", "x") // the current state
	c.sendRaw(`{"id": "x", "type": "start", "payload": {"query": 5}}`)
	if err := c.nextError("error", "x"); err.Code != "BAD_REQUEST" {
		t.Fatalf("got %+v, want BAD_REQUEST", err)
	}
	recv(t, rec.ended) // the subscription under x
	e.must(t, changeMenu, map[string]any{"in": map[string]any{"id": "r1", "menu": menu("b")}}, nil)
	c.start("start", "q", `{ status { head } }`)
	c.next("data", "q") // no data or complete for x
	c.next("complete", "q")
}

// TestHandler_graphqlWSConnectionErrorsHaveCodes: the connection_error gqlgen sends before
// it closes a graphql-ws connection carries extensions.code, as the endpoint's other errors
// do: BAD_REQUEST for a message it cannot take where it came, UNAUTHENTICATED for a
// connection_init without a valid token. gqlgen sent a message only.
func TestHandler_graphqlWSConnectionErrorsHaveCodes(t *testing.T) {
	const token = "a-token-of-the-test-0123456789"
	e := newEnv(t, withConfig(graph.Config{AuthTokens: []string{token}}))
	tests := []struct {
		name        string
		send        string
		wantCode    string
		wantMessage string // a part of it
		closeCode   websocket.StatusCode
		closeReason string
	}{
		{name: "a message that is not JSON before connection_init", send: `nope`,
			wantCode: "BAD_REQUEST", wantMessage: "invalid json", closeCode: websocket.StatusProtocolError, closeReason: "decoding error"},
		{name: "a start before connection_init", send: `{"id": "1", "type": "start", "payload": {"query": "{ status { head } }"}}`,
			wantCode: "BAD_REQUEST", wantMessage: "unexpected message", closeCode: websocket.StatusProtocolError, closeReason: "unexpected message"},
		{name: "a connection_init without a token", send: `{"type": "connection_init", "payload": {}}`,
			wantCode: "UNAUTHENTICATED", wantMessage: "bearer token required", closeCode: graph.CloseUnauthorized, closeReason: "Unauthorized: bearer token required"},
		{name: "a connection_init with another token", send: `{"type": "connection_init", "payload": {"authToken": "not-` + token + `"}}`,
			wantCode: "UNAUTHENTICATED", wantMessage: "invalid bearer token", closeCode: graph.CloseForbidden, closeReason: "Forbidden: invalid bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dialWS(t, graphtest.LegacyWS)
			c.sendRaw(tt.send)
			if err := c.nextError("connection_error", ""); err.Code != tt.wantCode || !strings.Contains(err.Message, tt.wantMessage) {
				t.Errorf("got %+v, want %s saying %q", err, tt.wantCode, tt.wantMessage)
			}
			c.closed(tt.closeCode, tt.closeReason)
		})
	}
}
