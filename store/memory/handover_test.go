package memory_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// AppendHandover keeps the caller's compact Data and its Metadata instead of copies;
// AppendEvents keeps copies.
func TestStore_AppendHandover_keepsTheEvents(t *testing.T) {
	storetest.HandoverKeeps(t, func(testing.TB) store.Store { return memory.New() })
}
