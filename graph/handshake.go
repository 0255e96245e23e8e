package graph

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// webSocketVersion is the version of the WebSocket protocol of RFC 6455 (earlier drafts
// had others), the only one coder/websocket speaks.
const webSocketVersion = "13"

// The subprotocols the endpoint speaks (gqlgen's WebSocket transport speaks both).
const (
	subprotocolTransportWS = "graphql-transport-ws"
	subprotocolLegacyWS    = "graphql-ws" // subscriptions-transport-ws's
)

// noSubprotocol is the message of the refusal of a handshake that offers subprotocols but
// none of the endpoint's.
const noSubprotocol = "the Sec-WebSocket-Protocol header names no subprotocol this endpoint speaks: offer " +
	subprotocolTransportWS + " or " + subprotocolLegacyWS + " (without the header the connection speaks " + subprotocolLegacyWS + ")"

// refuseHandshake answers a request that asks for an upgrade (has an Upgrade header, which
// is all gqlgen looks at to hand it to its WebSocket transport) but is no WebSocket
// handshake that coder/websocket accepts, and reports whether it did. gqlgen would answer
// it with the library's error, which quotes the offending header, followed by a JSON error
// of its own, and would log the whole header value with the standard logger. The refusal
// here is a JSON error with code BAD_REQUEST that quotes no header; it is 426 with
// Sec-WebSocket-Version: 13 for another version of the protocol (RFC 6455 §4.4), else 400,
// as for a Sec-WebSocket-Protocol header that offers neither graphql-transport-ws nor
// graphql-ws: gqlgen would upgrade such a connection without a subprotocol and speak
// graphql-ws to a client that asked for something else (a typo, a later version), which
// then fails on the first message it does not expect, or never learns why.
func refuseHandshake(w http.ResponseWriter, r *http.Request) bool {
	status, message := handshakeProblem(r)
	if status == 0 {
		return false
	}
	if status == http.StatusUpgradeRequired {
		// A 426 names the protocol to upgrade to (RFC 9110 §15.5.22), and the version.
		w.Header().Set("Sec-WebSocket-Version", webSocketVersion)
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
	}
	writeJSONError(w, r, status, CodeBadRequest, message)
	return true
}

// IsWebSocketHandshake reports whether r is a WebSocket handshake the endpoint accepts (see
// handshakeProblem): a server may free such a request of its deadlines, since its
// connection lives on. Any other request with an Upgrade header is refused at once.
func IsWebSocketHandshake(r *http.Request) bool {
	status, _ := handshakeProblem(r)
	return status == 0
}

// handshakeProblem returns the status and message of the refusal of r, a request with an
// Upgrade header, or 0 when r is a WebSocket handshake as RFC 6455 §4.2.1 has it (and as
// coder/websocket checks it): a GET of HTTP/1.1 or later whose Upgrade holds the token
// websocket, whose Connection holds the token upgrade, with Sec-WebSocket-Version 13 and
// one Sec-WebSocket-Key, the base64 encoding of 16 bytes; and, beyond RFC 6455, without a
// Sec-WebSocket-Protocol header or with one that offers a subprotocol the endpoint speaks
// (see subprotocol). The messages quote no header: a header may be as long as the server's
// header limit (1 MB by default).
func handshakeProblem(r *http.Request) (status int, message string) {
	switch {
	case !headerHasToken(r.Header, "Upgrade", "websocket"):
		return http.StatusBadRequest, "the Upgrade header names no protocol this endpoint serves: it upgrades a GET to a WebSocket only"
	case r.Method != http.MethodGet:
		return http.StatusBadRequest, "a WebSocket handshake must be a GET request"
	case !r.ProtoAtLeast(1, 1):
		return http.StatusBadRequest, "a WebSocket handshake needs HTTP/1.1"
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return http.StatusBadRequest, "a WebSocket handshake needs the token upgrade in its Connection header"
	case r.Header.Get("Sec-WebSocket-Version") != webSocketVersion:
		return http.StatusUpgradeRequired, "the server speaks version 13 of the WebSocket protocol only (Sec-WebSocket-Version: 13)"
	case !validWebSocketKey(r.Header.Values("Sec-WebSocket-Key")):
		return http.StatusBadRequest, "a WebSocket handshake needs one Sec-WebSocket-Key header: the base64 encoding of 16 bytes"
	}
	if proto, offered := subprotocol(r.Header); offered && proto == "" {
		return http.StatusBadRequest, noSubprotocol
	}
	return 0, ""
}

// subprotocol returns the subprotocol a handshake with header h gets: the first of the
// client's Sec-WebSocket-Protocol tokens that the endpoint speaks, since RFC 6455 §4.1 has
// the client list them "ordered by preference", or "" when it offers none of them; offered
// reports whether it offers any. A client that offers none (no header, or an empty one)
// speaks graphql-ws, as gqlgen's transport has it for clients that predate subprotocols.
//
// Tokens are compared as written: a client must fail a connection whose subprotocol is not
// one it offered, and browsers compare exactly. (coder/websocket compares in any case and
// answers with the client's spelling, which gqlgen then refuses with 1002.)
func subprotocol(h http.Header) (proto string, offered bool) {
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for t := range strings.SplitSeq(v, ",") {
			switch t = strings.TrimSpace(t); t {
			case subprotocolTransportWS, subprotocolLegacyWS:
				return t, true
			case "":
			default:
				offered = true
			}
		}
	}
	return "", offered
}

// validWebSocketKey reports whether keys, the values of a request's Sec-WebSocket-Key
// headers, are one key: the base64 encoding of 16 bytes.
func validWebSocketKey(keys []string) bool {
	if len(keys) != 1 {
		return false
	}
	key := strings.TrimSpace(keys[0])
	// 16 bytes are 24 characters of base64; a longer value need not be decoded.
	if len(key) != base64.StdEncoding.EncodedLen(16) {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == 16
}

// headerHasToken reports whether one of the comma-separated tokens of the header's values
// is token, in any case (as in Connection: keep-alive, Upgrade).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
