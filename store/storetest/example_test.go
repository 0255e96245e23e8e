package storetest_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/memory"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// A store's test runs the whole suite in one line. Stores that persist data also set
// Reopen, which closes the store and opens the same data again.
func ExampleRun() {
	_ = func(t *testing.T) { // func TestStore(t *testing.T)
		storetest.Run(t, storetest.Harness{New: func(testing.TB) store.Store { return memory.New() }})
	}
}

// Checks lists the suite's named checks, so one can be run alone (here on a testing.TB,
// which may be a *testing.B or a recording fake).
func ExampleChecks() {
	h := storetest.Harness{New: func(testing.TB) store.Store { return memory.New() }}
	_ = func(tb testing.TB) {
		for _, c := range storetest.Checks(h) {
			if c.Name == "racing appends with the same expected version" {
				c.Run(tb, h)
			}
		}
	}
}
