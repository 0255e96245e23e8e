// Package playground serves a GraphiQL page for the GraphQL endpoint that works
// offline: the page's scripts and style sheets (GraphiQL, React, ReactDOM and
// the GraphiQL explorer plugin) are embedded in the binary and served from
// AssetsPrefix, never loaded from a CDN. GraphiQL's bundle includes the
// graphql-ws client, so subscriptions run over WebSocket (graphql-transport-ws)
// against the same endpoint.
//
// The page itself is gqlgen's GraphiQL page (github.com/99designs/gqlgen/graphql/playground)
// pointed at the embedded copies of exactly the npm package versions gqlgen
// loads by default, so the page is the one gqlgen users know and its
// subresource integrity hashes are the upstream ones.
package playground
