package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// TestStore_connectionLostAfterAGroupCommitted cuts the connection after a group's
// transaction committed but before the client read that it did. Before, the store then
// committed each append of the group again on its own, which wrote its events twice
// (expected version Any) or reported ErrConflict for an append that was written (NoStream).
// Now it finds the group's events in the log: every Append succeeds, once.
func TestStore_connectionLostAfterAGroupCommitted(t *testing.T) {
	for _, mode := range []struct {
		name     string
		expected store.Version
	}{{"any", store.Any}, {"no stream", store.NoStream}} {
		t.Run(mode.name, func(t *testing.T) {
			// Once armed, the proxy cuts the connection that is about to deliver the
			// ReadyForQuery of a group of at least two appends: the server has committed
			// that group's transaction, and the client never learns it.
			var armed atomic.Bool
			var cuts atomic.Int32
			s, _ := openViaProxy(t, func(group int) verdict {
				if group >= 2 && armed.CompareAndSwap(true, false) {
					cuts.Add(1)
					return cutConn
				}
				return deliver
			})
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()

			armed.Store(true)
			const writers, perWriter = 16, 40
			type outcome struct {
				id  string
				err error
			}
			var mu sync.Mutex
			var outcomes []outcome
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range perWriter {
						id := fmt.Sprintf("ev-%d-%d", w, i)
						_, err := s.Append(ctx, "stream-"+id, mode.expected, store.EventData{ID: id, Type: "T", Data: []byte(`{}`)})
						mu.Lock()
						outcomes = append(outcomes, outcome{id, err})
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if cuts.Load() == 0 {
				t.Fatal("no group of two or more appends formed: nothing was cut")
			}
			count := map[string]int{}
			for e, err := range s.ReadAll(ctx, 0) {
				if err != nil {
					t.Fatal(err)
				}
				count[e.ID]++
			}
			var dup, conflictWritten, okMissing int
			for _, o := range outcomes {
				switch n := count[o.id]; {
				case n > 1:
					dup++
					if dup <= 3 {
						t.Errorf("append of event %s (err=%v) is in the log %d times", o.id, o.err, n)
					}
				case o.err != nil && errors.Is(o.err, store.ErrConflict) && n == 1:
					conflictWritten++
					if conflictWritten <= 3 {
						t.Errorf("append of event %s failed with %v, yet the log holds it", o.id, o.err)
					}
				case o.err == nil && n == 0:
					okMissing++
					t.Errorf("append of event %s succeeded, yet the log lacks it", o.id)
				case o.err != nil:
					t.Errorf("append of event %s failed (%v): the log holds it %d times", o.id, o.err, n)
				}
			}
			t.Logf("cuts=%d appends=%d duplicated=%d conflict-but-written=%d", cuts.Load(), len(outcomes), dup, conflictWritten)
		})
	}
}

// TestOpen_longSchemaName checks that a schema name PostgreSQL would cut is refused: two
// names alike in their first 63 bytes would name one schema, and the two "independent" logs
// would be one.
func TestOpen_longSchemaName(t *testing.T) {
	base := pgtest.URL(t)
	prefix := pgtest.Schema(t, base)
	longest := prefix + "_" + strings.Repeat("x", postgres.MaxSchemaBytes-len(prefix)-1)
	pgtest.DropAtEnd(t, base, longest)
	s, err := postgres.Open(t.Context(), base, postgres.WithSchema(longest))
	if err != nil {
		t.Fatalf("a name of %d bytes: %v", len(longest), err)
	}
	_ = s.Close()
	for _, name := range []string{longest + "_tenant_a", "with\x00nul"} {
		if s, err := postgres.Open(t.Context(), base, postgres.WithSchema(name)); !errors.Is(err, store.ErrInvalid) {
			if err == nil {
				_ = s.Close()
			}
			t.Errorf("Open with schema %q: %v, want ErrInvalid", name, err)
		}
	}
}

// TestStore_Append_whileTheDatabaseIsDown: an append that gets no connection says that it
// wrote nothing. Before, a failure to connect was taken for a commit whose outcome is
// unknown: each append of the group was looked up in the log (another failed connection
// attempt, each up to connect_timeout) and failed with "the append may have committed".
func TestStore_Append_whileTheDatabaseIsDown(t *testing.T) {
	s, proxy := openViaProxy(t, nil)
	ctx := t.Context()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	proxy.stop()
	s.Pool().Reset() // the pooled connections are gone with the server

	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			_, errs[w] = s.Append(ctx, fmt.Sprint("s-", w), store.Any, store.EventData{Type: "T", Data: []byte(`2`)})
		})
	}
	wg.Wait()
	for w, err := range errs {
		switch {
		case err == nil:
			t.Errorf("writer %d: Append succeeded with the database down", w)
		case strings.Contains(err.Error(), "may"):
			t.Errorf("writer %d: %v: want an error that says nothing was written", w, err)
		case !strings.Contains(err.Error(), "nothing was written"):
			t.Errorf("writer %d: %v: want it to say that nothing was written", w, err)
		}
	}
}
