package jsonl_test

import (
	"context"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// harness runs the conformance suite on stores in fresh directories, reopening the same
// directory for the restart checks.
func harness(opts ...jsonl.Option) storetest.Harness {
	return storetest.Harness{
		// The log's reads end at its head as their iteration begins (see ReadAll).
		ReadsEndAtIterationStart: true,
		// Versions are checked against the appends in flight too (see the package
		// documentation): a conflict may report a version readers do not see yet.
		ConflictsCountAppendsInFlight: true,
		New: func(tb testing.TB) store.Store {
			tb.Helper()
			s, err := jsonl.Open(tb.TempDir(), opts...)
			if err != nil {
				tb.Fatalf("Open: %v", err)
			}
			return s
		},
		NewClocked: func(tb testing.TB, now func() time.Time) store.Store {
			tb.Helper()
			s, err := jsonl.Open(tb.TempDir(), append(slices.Clip(opts), jsonl.WithClock(now))...)
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

// sharedReads is a store whose Subscribe and ReadAll are SubscribeShared and ReadAllShared,
// so that the conformance suite's reads run through the shared variants too.
type sharedReads struct{ *jsonl.Store }

func (s sharedReads) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.SubscribeShared(ctx, after)
}

func (s sharedReads) ReadAll(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return s.ReadAllShared(ctx, after)
}

func TestStore_conformanceShared(t *testing.T) {
	h := harness()
	open := h.New
	h.New = func(tb testing.TB) store.Store { return sharedReads{open(tb).(*jsonl.Store)} }
	h.Reopen = nil
	h.SharedEvents = true
	storetest.Run(t, h)
}

// TestStore_modelSmallBounds runs the model check on a tail cache of three events, so that
// its subscriptions mostly fall back to the file, and a size limit of 4 KiB, so that it
// appends events of exactly that size.
func TestStore_modelSmallBounds(t *testing.T) {
	h := harness(jsonl.WithNoSync(), jsonl.WithTailCache(3), jsonl.WithMaxEventSize(4096))
	h.MaxEventSize = 4096
	for _, c := range storetest.Checks(h) {
		if c.Name == "random operations agree with a model" {
			c.Run(t, h)
			return
		}
	}
	t.Fatal("no model check")
}

// FuzzModel runs random sequences of operations, restarts among them, against the store
// and a model of the contract (see storetest.FuzzModel): `go test -fuzz FuzzModel
// ./store/jsonl` explores beyond the conformance suite's fixed seeds.
func FuzzModel(f *testing.F) {
	h := harness(jsonl.WithNoSync(), jsonl.WithTailCache(3), jsonl.WithMaxEventSize(4096))
	h.MaxEventSize = 4096
	storetest.FuzzModel(f, h)
}
