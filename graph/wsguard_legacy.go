package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The guard's handling of the legacy graphql-ws protocol (subscriptions-transport-ws's),
// whose errors are messages rather than close codes: see guardedConn.

// legacyMessage returns the graphql-ws message to hand on to gqlgen, nil for nothing, or
// the error of a refusal that closed the connection. It translates the ids of start and
// stop, checks the first connection_init's payload, and hands on everything else as it came
// (gqlgen decides about it as before).
func (c *guardedConn) legacyMessage(data []byte) ([]byte, error) {
	m, err := decodeMessage(data)
	if c.initialised && (err != nil || !isObject(bytes.TrimLeft(data, " \t\r\n"))) {
		// gqlgen would end the connection without a word; the reference server answers
		// connection_error and reads on.
		return nil, c.legacyAnswer(wsMessage{Type: "connection_error"}, "Invalid message received: not a JSON object")
	}
	if err != nil {
		return data, nil // gqlgen answers connection_error and closes with 1002
	}
	switch m.Type {
	case "connection_init":
		if c.initialised {
			return data, nil // gqlgen refuses it
		}
		if problem := initPayloadProblem(m.Payload); problem != "" {
			if err := c.legacyAnswer(wsMessage{Type: "connection_error"}, problem); err != nil {
				return nil, err
			}
			return nil, c.refuse(transport.WebsocketCloseProtocolError, problem)
		}
		c.initialised = true
	case "start":
		if c.initialised && len(m.ID) > MaxOperationIDBytes {
			// An error under the id, once, ends the operation for the client (a
			// connection_error would leave it waiting); nothing of it is kept.
			return nil, c.legacyAnswer(wsMessage{ID: m.ID, Type: "error"}, fmt.Sprintf("Invalid message received: an id must be at most %d bytes", MaxOperationIDBytes))
		}
		if c.initialised && !(isObject(m.Payload) && isGraphQLRequest(m.Payload)) {
			// Before connection_init gqlgen refuses any start, and the connection with it.
			return c.refuseStart(m.ID)
		}
		c.awaitRoom()
		op, old, res := c.start(m.ID, true)
		if res == atLimit {
			if err := c.refuseOperation(m.ID); err != nil || old == "" {
				return nil, err
			}
			return encodeMessage(wsMessage{ID: old, Type: "stop"}), nil
		}
		start := encodeMessage(wsMessage{ID: op, Type: m.Type, Payload: m.Payload})
		if old == "" {
			return start, nil
		}
		c.pending = start // after gqlgen stopped the old operation
		return encodeMessage(wsMessage{ID: old, Type: "stop"}), nil
	case "stop":
		if op, ok := c.stop(m.ID, false); ok {
			return encodeMessage(wsMessage{ID: op, Type: m.Type}), nil
		}
		return nil, nil // no operation answers to the id: nothing to stop
	case "connection_terminate":
	default:
		if c.initialised {
			// gqlgen would end the connection without a word; the reference server answers
			// an error under the message's id and reads on.
			return nil, c.legacyAnswer(wsMessage{ID: m.ID, Type: "error"}, "Invalid message type!")
		}
	}
	return data, nil
}

// badStart is the message of the error that answers a graphql-ws start whose payload is no
// GraphQL request.
const badStart = `Invalid message received: the start payload must be a GraphQL request: a JSON object with a "query" string, and optionally "operationName" (a string), "variables" and "extensions" (objects)`

// refuseStart answers a graphql-ws start under the client's id whose payload is no GraphQL
// request, and returns what to hand on to gqlgen: the stop of the operation that ran under
// the id, if one did. The reference server stops that operation before it looks at the
// payload, as a valid start does here (see start), and its error ends the id for the
// client: nothing more of the operation is sent, not even its complete.
func (c *guardedConn) refuseStart(clientID string) ([]byte, error) {
	op, active := c.release(clientID)
	if err := c.legacyAnswer(wsMessage{ID: clientID, Type: "error"}, badStart); err != nil {
		return nil, err
	}
	if !active {
		return nil, nil
	}
	return encodeMessage(wsMessage{ID: op, Type: "stop"}), nil
}

// legacyAnswer sends m, a graphql-ws error or connection_error, with a payload carrying
// message and the code BAD_REQUEST (see legacyError): the guard sends it for a message the
// protocol does not allow, as the reference server answers one it cannot take. It returns
// the error of a failed write.
func (c *guardedConn) legacyAnswer(m wsMessage, message string) error {
	m.Payload = legacyError(m.Type, CodeBadRequest, message)
	return c.WebsocketConn.WriteJSON(m)
}

// legacyError returns the payload of a graphql-ws message of type typ, error or
// connection_error, that carries a GraphQL error with message and extensions.code: an error's
// payload is a list of them, as gqlgen sends its own, a connection_error's is one, as both
// gqlgen and the reference server send it.
func legacyError(typ, code, message string) json.RawMessage {
	e := &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
	var b []byte
	if typ == "error" {
		b, _ = json.Marshal(gqlerror.List{e})
	} else {
		b, _ = json.Marshal(e)
	}
	return b
}

// connectionErrorCode returns the code of a connection_error of gqlgen's, whose message is
// all gqlgen passes on from the error it answers: UNAUTHENTICATED for wsInit's refusals,
// which name their code first for that reason, otherwise BAD_REQUEST (a message that is
// not JSON, or unexpected where it came, such as a second connection_init).
func connectionErrorCode(message string) string {
	if strings.HasPrefix(message, CodeUnauthenticated+":") {
		return CodeUnauthenticated
	}
	return CodeBadRequest
}

// withCode returns m, a graphql-ws connection_error of gqlgen's, with extensions.code in its
// payload (see connectionErrorCode) when it has none: gqlgen's carries a message only.
func withCode(m wsMessage) wsMessage {
	var e gqlerror.Error
	if json.Unmarshal(m.Payload, &e) == nil && e.Extensions["code"] == nil {
		m.Payload = legacyError(m.Type, connectionErrorCode(e.Message), e.Message)
	}
	return m
}
