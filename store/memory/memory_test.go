package memory_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return memory.New() }, ReadsEndAtIterationStart: true})
}

// The whole suite again on a log that packs all but its newest three or four events, as a store
// packs its history (see eventLog), so that every read and subscription meets packed
// events: copied, shared, and packed while they are read.
func TestStore_packed(t *testing.T) {
	newStore := func(testing.TB) *memory.Store { return memory.NewPacking(1) }
	t.Run("copies", func(t *testing.T) {
		storetest.Run(t, storetest.Harness{New: func(tb testing.TB) store.Store { return newStore(tb) }, ReadsEndAtIterationStart: true})
	})
	t.Run("shared subscriptions", func(t *testing.T) {
		storetest.Run(t, storetest.Harness{New: func(tb testing.TB) store.Store { return sharedSubscriptions{newStore(tb)} }, SharedEvents: true, ReadsEndAtIterationStart: true})
	})
	t.Run("shared reads", func(t *testing.T) {
		storetest.Run(t, storetest.Harness{New: func(tb testing.TB) store.Store { return sharedReads{newStore(tb)} }, SharedEvents: true, ReadsEndAtIterationStart: true})
	})
}
