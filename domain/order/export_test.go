package order

import "github.com/eventgraph/eventgraph/domain/internal/jsonr/jsonrtest"

// Readers are the fast-path readers of the events, for read_test.go.
var Readers = []jsonrtest.Reader{jsonrtest.For(readCreated), jsonrtest.For(readPrepared)}
