package storetest

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"go.uber.org/goleak"

	"github.com/eventgraph/eventgraph/store"
)

// LongLog is how many events checkNoLeakDeep appends: enough that a reader far behind the
// head, as one from the start is, reads ahead on another goroutine in a store that does
// (the JSONL store does once it is 1,024 events behind, after its first 512).
const LongLog = 3072

// checkNoLeakDeep: breaking out of an iterator, or stopping a pulled one, deep in a long log
// leaves no goroutine behind, for every iterator the store has, the optional ones too
// (store.TypeReader, store.SharedReader, store.SharedSubscriber). checkNoLeak stops its
// iterators at the first event of a short log, before a store that reads ahead on another
// goroutine starts to.
func checkNoLeakDeep(tb testing.TB, h Harness) {
	ctx, s := open(tb, h)
	const batch = 128
	for i := 0; i < LongLog; i += batch {
		mustAppend(tb, ctx, s, "long", store.Any, numbered("L", i, batch)...)
	}
	kinds := iterKinds()
	if tr, ok := s.(store.TypeReader); ok {
		kinds = append(kinds, iterKind{"ReadAllTypes", func(ctx context.Context, _ store.Store) iter.Seq2[store.Event, error] {
			return tr.ReadAllTypes(ctx, 0, []string{"L"})
		}})
	}
	if sr, ok := s.(store.SharedReader); ok {
		kinds = append(kinds, iterKind{"ReadAllShared", func(ctx context.Context, _ store.Store) iter.Seq2[store.Event, error] {
			return sr.ReadAllShared(ctx, 0)
		}})
	}
	if ss, ok := s.(store.SharedSubscriber); ok {
		kinds = append(kinds, iterKind{"SubscribeShared", func(ctx context.Context, _ store.Store) iter.Seq2[store.Event, error] {
			return ss.SubscribeShared(ctx, 0)
		}})
	}
	for _, k := range kinds { // warm up: let the store start whatever it keeps running
		for range k.seq(ctx, s) {
			break
		}
	}
	baseline := goleak.IgnoreCurrent()

	stopAt := []int{LongLog / 2, LongLog - 1}
	for _, k := range kinds {
		for _, n := range stopAt {
			what := fmt.Sprintf("%s stopped after %d of %d events", k.name, n, LongLog)
			read := 0
			for _, err := range k.seq(ctx, s) {
				if err != nil {
					tb.Errorf("%s: %v", what, err)
					break
				}
				if read++; read == n {
					break
				}
			}
			next, stop := iter.Pull2(k.seq(ctx, s))
			for i := range n {
				if _, err, ok := next(); !ok || err != nil {
					tb.Errorf("%s, pulled: event %d: ok %v, err %v", what, i, ok, err)
					break
				}
			}
			stop()
		}
	}
	if err := goleak.Find(baseline); err != nil {
		tb.Errorf("goroutines left running after iterators stopped deep in the log: %v", err)
	}
}
