// Package model holds the GraphQL types of eventgraph's API: the models gqlgen generates from
// the schema (models_gen.go) and the custom scalars Time, JSON and Int64 (scalars.go).
//
// Domain and read-model types are never bound here directly; package graph converts them.
package model
