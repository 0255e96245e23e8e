package restaurant

import "github.com/eventgraph/eventgraph/domain/internal/jsonr/jsonrtest"

// Readers are the fast-path readers of the events and the menu types, for read_test.go.
var Readers = []jsonrtest.Reader{
	jsonrtest.For(readItem), jsonrtest.For(readMenu),
	jsonrtest.For(readCreated), jsonrtest.For(readMenuChanged), jsonrtest.For(readOrderPlaced),
}
