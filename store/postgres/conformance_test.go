package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
	"github.com/eventgraph/eventgraph/store/storetest"
)

// open opens a store on a fresh schema; the store is closed (Close may also be called
// earlier) and the schema dropped when the test ends.
func open(tb testing.TB, opts ...postgres.Option) (*postgres.Store, string) {
	tb.Helper()
	url := pgtest.URL(tb)
	schema := pgtest.Schema(tb, url)
	s, err := postgres.Open(tb.Context(), url, append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() }) // before the schema's drop: cleanups run last first
	return s, url
}

// harness runs the conformance suite on stores in fresh schemas; Reopen closes the store
// (and its pool) and opens the same schema again. Every operation of the model check is a
// round trip or more, so its sequences are shorter than the suite's default.
func harness(opts ...postgres.Option) storetest.Harness {
	return storetest.Harness{
		ModelSteps: 60,
		New: func(tb testing.TB) store.Store {
			tb.Helper()
			s, _ := open(tb, opts...)
			return s
		},
		NewClocked: func(tb testing.TB, now func() time.Time) store.Store {
			tb.Helper()
			s, _ := open(tb, append(slices.Clip(opts), postgres.WithClock(now))...)
			return s
		},
		// A second store on the same schema, as another server: the history check runs
		// half its goroutines and a subscription on it, so that appends, reads and
		// subscriptions cross stores (through the table, the notifications and the other
		// store's tailer).
		Another: func(tb testing.TB, s store.Store) store.Store {
			tb.Helper()
			s2, err := postgres.Open(tb.Context(), pgtest.URL(tb), append([]postgres.Option{postgres.WithSchema(s.(*postgres.Store).Schema())}, opts...)...)
			if err != nil {
				tb.Fatalf("Open another store: %v", err)
			}
			return s2
		},
		Reopen: func(tb testing.TB, s store.Store) store.Store {
			tb.Helper()
			ps := s.(*postgres.Store)
			url := pgtest.URL(tb)
			_ = ps.Close()
			s2, err := postgres.Open(tb.Context(), url, append([]postgres.Option{postgres.WithSchema(ps.Schema())}, opts...)...)
			if err != nil {
				tb.Fatalf("reopen: %v", err)
			}
			return s2
		},
	}
}

func TestStore_conformance(t *testing.T) {
	t.Run("defaults", func(t *testing.T) { storetest.Run(t, harness()) })
	// Small pages, a small cache of recent events and a short poll make the paging, the
	// fall-back from the cache to the table and the polling paths run too.
	// Such pages make a subscriber far behind (storetest.FarBehind) read the log a query per
	// event or three, some 10^5 round trips in all: the suite's waits, there to report a
	// hang, get a minute, or a machine busy with other work fails a correct store.
	t.Run("small pages", func(t *testing.T) {
		h := harness(postgres.WithPageSize(3), postgres.WithTailSize(5), postgres.WithPollInterval(20*time.Millisecond))
		h.Timeout = time.Minute
		storetest.Run(t, h)
	})
	// Pages and a cache bounded by bytes rather than by number: a few of the suite's events
	// each, so the pages cut by size and the cache's pushing out by size run too.
	t.Run("small byte bounds", func(t *testing.T) {
		h := harness(postgres.WithPageBytes(200), postgres.WithTailBytes(600), postgres.WithPollInterval(20*time.Millisecond))
		h.Timeout = time.Minute
		storetest.Run(t, h)
	})
}
