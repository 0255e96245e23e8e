package memory_test

import (
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New:                      func(testing.TB) store.Store { return memory.New() },
		NewClocked:               func(_ testing.TB, now func() time.Time) store.Store { return memory.New(memory.WithClock(now)) },
		ReadsEndAtIterationStart: true,
	})
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

// FuzzModel runs random sequences of operations against the memory store and a model of the
// contract (see storetest.FuzzModel): `go test -fuzz FuzzModel ./store/memory` explores beyond
// the conformance suite's fixed seeds. The log packs all but its newest events, so that reads
// meet packed chunks too.
func FuzzModel(f *testing.F) {
	storetest.FuzzModel(f, storetest.Harness{New: func(testing.TB) store.Store { return memory.NewPacking(1) }, ReadsEndAtIterationStart: true})
}
