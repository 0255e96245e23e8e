package memory_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return memory.New() }})
}
