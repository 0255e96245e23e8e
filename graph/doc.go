// Package graph is eventgraph's GraphQL API: the schema (*.graphqls), the code gqlgen
// generates from it, thin resolvers that turn GraphQL operations into commands and queries
// of a *service.Service, the one converter between domain and GraphQL types (convert.go),
// the one map from errors to extensions.code (errors.go) and the HTTP handler.
//
// Over WebSocket, a handshake gets the subprotocol the client lists first of
// graphql-transport-ws and graphql-ws (RFC 6455 orders the client's list by preference), or
// graphql-ws when it offers none. A request with an Upgrade header that is no valid handshake,
// or that offers only other subprotocols, is refused with 400 (426 for another version of
// the WebSocket protocol) and a JSON error with code BAD_REQUEST (see refuseHandshake). A
// connection is closed with 1000 when the client ends it, 1001 when the server shuts down,
// 1007 for a text message that is not UTF-8, 1009 for a message over
// Config.WebSocketReadLimit, 4401 or 4403 for a connection_init without a valid token (see
// wsInit); over graphql-transport-ws with the protocol's 4400 (an operation id over
// MaxOperationIDBytes among the invalid messages), 4401, 4408, 4409 and 4429.
// graphql-ws answers most refusals with an error or connection_error message and reads on,
// and closes with 1002 after a connection_error where it cannot (before connection_init, a
// message that is not JSON or not connection_init; a second connection_init); each carries
// extensions.code (see guardedConn).
//
// Regenerate with `go generate ./...` after editing the schema.
package graph
