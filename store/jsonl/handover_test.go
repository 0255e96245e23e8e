package jsonl_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// While someone subscribes, the tail cache keeps a handed-over append's compact Data and its
// Metadata instead of copies; it copies an AppendEvents'.
func TestStore_AppendHandover_tailKeepsTheEvents(t *testing.T) {
	storetest.HandoverKeeps(t, func(tb testing.TB) store.Store { return openStore(tb, tb.TempDir()) })
}
