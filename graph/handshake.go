package graph

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// webSocketVersion is the version of the WebSocket protocol of RFC 6455 (earlier drafts
// had others), the only one coder/websocket speaks.
const webSocketVersion = "13"

// refuseHandshake answers a request that asks for an upgrade (has an Upgrade header, which
// is all gqlgen looks at to hand it to its WebSocket transport) but is no WebSocket
// handshake that coder/websocket accepts, and reports whether it did. gqlgen would answer
// it with the library's error, which quotes the offending header, followed by a JSON error
// of its own, and would log the whole header value with the standard logger. The refusal
// here is a JSON error with code BAD_REQUEST that quotes no header; it is 426 with
// Sec-WebSocket-Version: 13 for another version of the protocol (RFC 6455 §4.4), else 400.
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
// one Sec-WebSocket-Key, the base64 encoding of 16 bytes. The messages quote no header:
// a header may be as long as the server's header limit (1 MB by default).
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
	return 0, ""
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
