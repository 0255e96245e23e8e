package restaurant

import (
	"github.com/eventgraph/eventgraph/domain/internal/jsonr"
	"github.com/eventgraph/eventgraph/domain/internal/jsonr/jsonrtest"
)

// Readers are the fast-path readers of the events, the menu types and the state, for
// read_test.go.
var Readers = []jsonrtest.Reader{
	jsonrtest.For(readItem), jsonrtest.For(readMenu),
	jsonrtest.For(readCreated), jsonrtest.For(readMenuChanged), jsonrtest.For(readOrderPlaced),
	jsonrtest.For(func(r *jsonr.Reader) StateFields { return StateFields(readState(r)) }),
}

// StateFields is State without its JSON methods, so that encoding/json's reflection over
// it is the reference they are held to. Its AppendJSON is State's MarshalJSON, for
// jsonwtest; it panics when MarshalJSON fails.
type StateFields stateFields

func (s StateFields) AppendJSON(b []byte) []byte {
	out, err := State(s).MarshalJSON()
	if err != nil {
		panic(err)
	}
	return append(b, out...)
}
