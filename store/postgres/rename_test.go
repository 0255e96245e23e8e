package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// TestOpen_refusesARenamedSchema: a schema renamed after its tables were made keeps an
// append_events that writes to the schema of the old name. Open refuses it, saying how to
// repair it, rather than append into another log (here a new schema of the old name) or fail
// every append; once repaired, the store appends to its own log.
func TestOpen_refusesARenamedSchema(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	old := pgtest.Schema(t, url)
	renamed := pgtest.Schema(t, url)
	exec := admin(t, url)

	s, err := postgres.Open(ctx, url, postgres.WithSchema(old))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "a", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	exec(`ALTER SCHEMA ` + pgx.Identifier{old}.Sanitize() + ` RENAME TO ` + pgx.Identifier{renamed}.Sanitize())
	// A new log under the old name, as a restore into it or a server started on it makes.
	other, err := postgres.Open(ctx, url, postgres.WithSchema(old))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	_, err = postgres.Open(ctx, url, postgres.WithSchema(renamed))
	if err == nil || !strings.Contains(err.Error(), "renamed") || !strings.Contains(err.Error(), "ALTER FUNCTION") {
		t.Fatalf("Open of the renamed schema: %v, want it refused as renamed, with the repair", err)
	}

	exec(`ALTER FUNCTION ` + pgx.Identifier{renamed, "append_events"}.Sanitize() + ` SET search_path TO ` + pgx.Identifier{renamed}.Sanitize())
	s, err = postgres.Open(ctx, url, postgres.WithSchema(renamed))
	if err != nil {
		t.Fatalf("Open after the repair: %v", err)
	}
	defer s.Close()
	a, err := s.Append(ctx, "a", 1, store.EventData{Type: "T", Data: []byte(`2`)})
	if err != nil || a != (store.Appended{Version: 2, Position: 2}) {
		t.Errorf("Append after the repair = %+v, %v; want version 2 at position 2 of its own log", a, err)
	}
	if h, err := other.Head(ctx); h != 0 || err != nil {
		t.Errorf("the other log's head = %d, %v; want 0: nothing of the renamed schema's", h, err)
	}
}

// TestOpen_schemaNamesThatNeedQuoting: a schema whose name PostgreSQL quotes in a search_path
// (capitals, a space, a comma, a quote, non-ASCII letters) is opened, appended to and opened
// again: its function's search_path is found to name it.
func TestOpen_schemaNamesThatNeedQuoting(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	prefix := pgtest.Schema(t, url)
	for _, suffix := range []string{"_Tenant", " a b", ",x", `"q"`, "_ünï", "$1"} {
		name := prefix + suffix
		pgtest.DropAtEnd(t, url, name)
		for i := range 2 {
			s, err := postgres.Open(ctx, url, postgres.WithSchema(name))
			if err != nil {
				t.Fatalf("Open %q (%d): %v", name, i+1, err)
			}
			a, err := s.Append(ctx, "a", store.Any, store.EventData{Type: "T", Data: []byte(`1`)})
			s.Close()
			if err != nil || a.Position != store.Position(i+1) {
				t.Errorf("Append to %q (%d) = %+v, %v; want position %d", name, i+1, a, err, i+1)
			}
		}
	}
}
