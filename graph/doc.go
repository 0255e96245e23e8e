// Package graph is eventgraph's GraphQL API: the schema (*.graphqls), the code gqlgen
// generates from it, thin resolvers that turn GraphQL operations into commands and queries
// of a *service.Service, the one converter between domain and GraphQL types (convert.go),
// the one map from errors to extensions.code (errors.go) and the HTTP handler.
//
// Regenerate with `go generate ./...` after editing the schema.
package graph
