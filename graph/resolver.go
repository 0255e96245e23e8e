package graph

// Resolver is the root resolver: it holds the server's dependencies and nothing else.
type Resolver struct{}
