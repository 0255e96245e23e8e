package jsonl_test

import (
	"testing"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// harness runs the conformance suite on stores in fresh directories, reopening the same
// directory for the restart checks.
func harness(opts ...jsonl.Option) storetest.Harness {
	return storetest.Harness{
		New: func(tb testing.TB) store.Store {
			tb.Helper()
			s, err := jsonl.Open(tb.TempDir(), opts...)
			if err != nil {
				tb.Fatalf("Open: %v", err)
			}
			return s
		},
		Reopen: func(tb testing.TB, s store.Store) store.Store {
			tb.Helper()
			dir := s.(*jsonl.Store).Dir()
			s.Close()
			s2, err := jsonl.Open(dir, opts...)
			if err != nil {
				tb.Fatalf("reopen: %v", err)
			}
			return s2
		},
	}
}

func TestStore_conformance(t *testing.T) {
	t.Run("durable", func(t *testing.T) { storetest.Run(t, harness()) })
	t.Run("no sync", func(t *testing.T) { storetest.Run(t, harness(jsonl.WithNoSync())) })
}
