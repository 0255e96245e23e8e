package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// The database ends the pool's idle connections (an administrator, a restart, a failover):
// the next append, on a healthy database, is tried on another connection instead of failing
// with the FATAL the ended connection held. Before, one or two appends failed each time.
func TestAppend_afterTheDatabaseEndedIdleConnections(t *testing.T) {
	s, url := openFresh(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
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
			t.Fatalf("round %d: no idle connection of the pool was ended (%d idle): the test needs some", round, len(pids))
		}
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
