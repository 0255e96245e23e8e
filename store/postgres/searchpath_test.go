package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// TestStore_searchPathCannotCapture: the store's statements call no function that a schema
// on the connection's search_path can capture. PostgreSQL resolves an unqualified function
// among all those on the search path, and one whose argument types match exactly wins over
// pg_catalog's polymorphic one wherever it is on the path (CVE-2018-1058): a
// unnest(bytea[]) or cardinality(bytea[]) in a schema any role may create in (public, on a
// database created before PostgreSQL 15) ran, with the store's role's privileges, in every
// group of appends and every Import.
func TestStore_searchPathCannotCapture(t *testing.T) {
	raw := pgtest.URL(t)
	trap := pgtest.Schema(t, raw)
	schema := pgtest.Schema(t, raw)
	q := pgx.Identifier{trap}.Sanitize()
	exec := admin(t, raw)
	exec(`CREATE SCHEMA ` + q)
	// A sequence counts the calls: its increments survive the rollback of the transaction
	// that made them.
	exec(`CREATE SEQUENCE ` + q + `.calls`)
	for _, f := range []struct{ sig, returns, body string }{
		{"unnest(bytea[])", "SETOF bytea", "RETURN QUERY SELECT pg_catalog.unnest($1);"},
		{"unnest(bigint[])", "SETOF bigint", "RETURN QUERY SELECT pg_catalog.unnest($1);"},
		{"unnest(timestamptz[])", "SETOF timestamptz", "RETURN QUERY SELECT pg_catalog.unnest($1);"},
		{"cardinality(bytea[])", "integer", "RETURN pg_catalog.cardinality($1);"},
	} {
		exec(fmt.Sprintf(`CREATE FUNCTION %s.%s RETURNS %s LANGUAGE plpgsql AS $f$
			BEGIN PERFORM nextval('%s.calls'); %s END $f$`, q, f.sig, f.returns, q, f.body))
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	url := raw + sep + "search_path=" + trap
	s, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	if _, err := s.Import(ctx, []store.Event{
		{StreamID: "imported", Version: 1, Position: 1, ID: "i1", Type: "T", Data: []byte(`1`), Time: time.Now()},
		{StreamID: "imported", Version: 2, Position: 2, ID: "i2", Type: "T", Data: []byte(`2`), Time: time.Now()},
	}); err != nil {
		t.Fatalf("Import: %v", err)
	}
	// Concurrent appends, which the committer groups.
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			if _, err := s.Append(ctx, fmt.Sprintf("s-%d", i%8), store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	wg.Wait()
	if got := len(readAllEvents(t, s)); got != 66 {
		t.Errorf("read %d events, want 66", got)
	}
	for _, err := range s.ReadAllTypes(ctx, 0, []string{"T"}) {
		if err != nil {
			t.Fatalf("ReadAllTypes: %v", err)
		}
	}

	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var calls int64
	var called bool
	if err := conn.QueryRow(ctx, `SELECT last_value, is_called FROM `+q+`.calls`).Scan(&calls, &called); err != nil {
		t.Fatal(err)
	}
	if called {
		t.Errorf("functions of schema %s on the search path ran %d times in the store's statements; want none", trap, calls)
	}
}
