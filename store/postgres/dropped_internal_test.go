package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// The database ends the pool's idle connections (an administrator, a restart, a failover):
// the next append, on a healthy database, is tried on another connection instead of failing
// with the FATAL the ended connection held. Before, one or two appends failed each time.
func TestAppend_afterTheDatabaseEndedIdleConnections(t *testing.T) {
	s, url := openFresh(t)
	ctx := context.Background()
	admin := connectAdmin(t, url)
	event := store.EventData{Type: "T", Data: []byte(`{}`)}
	appended := 0
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 { // several connections in the pool
			wg.Go(func() {
				_, err := s.Append(ctx, fmt.Sprint("warm-", i), store.Any, event)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: warming the pool: %v", round, err)
			}
			appended++
		}
		ended := endIdleConnections(t, s, admin)
		if _, err := s.Append(ctx, "after", store.Any, event); err != nil {
			t.Fatalf("round %d: append after the database ended %d idle connections: %v", round, ended, err)
		}
		appended++
	}
	var n int
	if err := s.pool.QueryRow(ctx, s.sql.head).Scan(&n); err != nil || n != appended {
		t.Fatalf("head %d (%v), want %d: an append written twice or lost", n, err, appended)
	}
}

// The database ends the pool's idle connections: every read and every save of a checkpoint
// or a snapshot, on a healthy database, is tried on another connection, as appends are,
// instead of failing with the FATAL that the ended connection held. Before, a mutation whose
// command read the log, and a saga's read of a stream's version, failed with
// INTERNAL_SERVER_ERROR after an administrator's pg_terminate_backend (found by the
// PostgreSQL outage drill).
func TestReads_afterTheDatabaseEndedIdleConnections(t *testing.T) {
	s, url := openFresh(t)
	ctx := context.Background()
	admin := connectAdmin(t, url)
	a, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`{}`)}, store.EventData{Type: "U", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	last := func() store.Event {
		for e, err := range s.ReadAll(ctx, a.Position-1) {
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		t.Fatal("no event")
		return store.Event{}
	}()
	checkpoint := store.Checkpoint{Position: last.Position, EventID: last.ID, Head: last.Position, HeadEventID: last.ID}
	snapshot := store.Snapshot{Version: last.Version, EventID: last.ID, Revision: "r", State: []byte(`{}`)}
	each := func(events func(yield func(store.Event, error) bool), want int) error {
		n := 0
		for _, err := range events {
			if err != nil {
				return err
			}
			n++
		}
		if n != want {
			return fmt.Errorf("%d events, want %d", n, want)
		}
		return nil
	}
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"Head", func() error { _, err := s.Head(ctx); return err }},
		{"StreamVersion", func() error { _, err := s.StreamVersion(ctx, "s"); return err }},
		{"ReadAll", func() error { return each(s.ReadAll(ctx, 0), 2) }},
		{"ReadStream", func() error { return each(s.ReadStream(ctx, "s", 0), 2) }},
		{"ReadAllTypes", func() error { return each(s.ReadAllTypes(ctx, 0, []string{"T", "U"}), 2) }},
		{"ReadStreamTypes", func() error { return each(s.ReadStreamTypes(ctx, "s", 0, []string{"U"}), 1) }},
		{"SaveCheckpoint", func() error { return s.SaveCheckpoint(ctx, "saga", checkpoint) }},
		{"Checkpoint", func() error { _, err := s.Checkpoint(ctx, "saga"); return err }},
		{"SaveSnapshot", func() error { return s.SaveSnapshot(ctx, "s", snapshot) }},
		{"Snapshot", func() error { _, _, err := s.Snapshot(ctx, "s"); return err }},
	} {
		t.Run(op.name, func(t *testing.T) {
			for round := range 3 {
				warmPool(t, s)
				ended := endIdleConnections(t, s, admin)
				if err := op.run(); err != nil {
					t.Fatalf("round %d: after the database ended %d idle connections: %v", round, ended, err)
				}
			}
		})
	}
}

// connectAdmin returns a connection of its own to the test database, closed when the test ends.
func connectAdmin(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close(ctx) })
	return admin
}

// warmPool makes the pool hold as many connections as it may, all idle.
func warmPool(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	var held []interface{ Release() }
	for range s.pool.Config().MaxConns {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release()
	}
}

// endIdleConnections has the database end the pool's idle connections, as an administrator's
// pg_terminate_backend, a restart or a failover does, and returns how many it ended (at
// least one). They stay in the pool, released just now, so the pool hands them out again
// without checking them first.
func endIdleConnections(t *testing.T, s *Store, admin *pgx.Conn) int {
	t.Helper()
	ctx := context.Background()
	var pids []int32
	for _, c := range s.pool.AcquireAllIdle(ctx) {
		pids = append(pids, int32(c.Conn().PgConn().PID()))
		c.Release()
	}
	var ended int
	// pg_terminate_backend with a timeout returns once the backend has exited.
	if err := admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM unnest($1::int[]) AS pid`, pids).Scan(&ended); err != nil {
		t.Fatal(err)
	}
	if ended == 0 {
		t.Fatalf("no idle connection of the pool was ended (%d idle): the test needs some", len(pids))
	}
	return ended
}

// A pool of more connections than maxDroppedTries, all of which the database ended while
// they sat idle (a restart under load, a failover), still serves the next read and append:
// each ended connection that a statement takes fails it and leaves the pool, so a caller
// may meet every one of them before a live one. Bounded by maxDroppedTries alone, a read
// failed with the FATAL of its ninth ended connection, on a healthy database, in a pool of
// pgx's default size on a machine of nine or more processors.
func TestReads_afterTheDatabaseEndedMoreIdleConnectionsThanTries(t *testing.T) {
	url := pgtest.URL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	big := url + sep + "pool_max_conns=" + strconv.Itoa(maxDroppedTries+4)
	ctx := context.Background()
	admin := connectAdmin(t, url)
	for _, op := range []struct {
		name string
		run  func(s *Store) error
	}{
		{"Append", func(s *Store) error {
			_, err := s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
			return err
		}},
		{"Head", func(s *Store) error { _, err := s.Head(ctx); return err }},
	} {
		t.Run(op.name, func(t *testing.T) {
			s, err := Open(ctx, big, WithSchema(pgtest.Schema(t, url)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			warmPool(t, s)
			// Held while the database ends them, and released after: the pool hands out a
			// connection released less than a second ago without checking it.
			held := s.pool.AcquireAllIdle(ctx)
			var pids []int32
			for _, c := range held {
				pids = append(pids, int32(c.Conn().PgConn().PID()))
			}
			var ended int
			err = admin.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM unnest($1::int[]) AS pid`, pids).Scan(&ended)
			for _, c := range held {
				c.Release()
			}
			if err != nil {
				t.Fatal(err)
			}
			if ended <= maxDroppedTries+1 {
				t.Fatalf("the database ended %d idle connections: the test needs more than %d", ended, maxDroppedTries+1)
			}
			if err := op.run(s); err != nil {
				t.Fatalf("after the database ended every idle connection of the pool: %v", err)
			}
		})
	}
}
