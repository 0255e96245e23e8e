package postgres

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// migration5Of2bceaa5 is migration 5 as commit 2bceaa5 wrote it, before ecd64b0 changed the
// file to index the types' MD5.
const migration5Of2bceaa5 = `CREATE INDEX events_type_position ON events (type, position);`

// typeIndex returns the definition of the schema's index on the events' types, and its OID.
func typeIndex(tb testing.TB, conn *pgx.Conn, schema string) (def string, oid uint32) {
	tb.Helper()
	err := conn.QueryRow(context.Background(), `SELECT pg_get_indexdef(c.oid), c.oid FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'events_type_position'`,
		schema).Scan(&def, &oid)
	if err != nil {
		tb.Fatalf("the index events_type_position of %s: %v", schema, err)
	}
	return def, oid
}

// TestMigration7_rebuildsTheTypeIndexOf2bceaa5: a schema that a server of commit 2bceaa5
// migrated to version 5 holds the type index of that commit's migration 5, on the type itself;
// opened by today's code, its index is on md5(type), and an event type longer than a B-tree
// entry may be is appended and read by type (it failed there before migration 7).
func TestMigration7_rebuildsTheTypeIndexOf2bceaa5(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[4].version != 5 {
		t.Fatalf("migration 5 is %d (%s)", ms[4].version, ms[4].name)
	}
	old := append(ms[:4:4], migration{version: 5, name: ms[4].name, sql: migration5Of2bceaa5})
	if err := apply(ctx, conn, schema, old, defaultLockPolicy()); err != nil {
		t.Fatal(err)
	}
	callAppend(t, conn, schema, "a", 0, 2)

	s, err := Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if def, _ := typeIndex(t, conn, schema); !containsMD5(def) {
		t.Errorf("type index after the migration: %s, want it on md5(type)", def)
	}
	rng := rand.New(rand.NewPCG(7, 9))
	long := make([]byte, 3000) // letters that do not compress
	for i := range long {
		long[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng.IntN(62)]
	}
	typ := string(long)
	if _, err := s.Append(ctx, "a", 2, store.EventData{Type: typ, Data: []byte(`1`)}); err != nil {
		t.Fatalf("Append of a type of %d bytes: %v", len(typ), err)
	}
	var got []store.Event
	for e, err := range s.ReadAllTypes(ctx, 0, []string{typ}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 1 || got[0].Position != 3 {
		t.Errorf("ReadAllTypes of the long type: %d events, want the one at position 3", len(got))
	}
}

// TestMigration7_keepsAnIndexOnMD5: on a schema whose migration 5 built the index on
// md5(type), migration 7 leaves that index as it is (the same index, not one rebuilt).
func TestMigration7_keepsAnIndexOnMD5(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[6].version != 7 {
		t.Fatalf("migration 7 is %d (%s)", ms[6].version, ms[6].name)
	}
	if err := apply(ctx, conn, schema, ms[:6], defaultLockPolicy()); err != nil {
		t.Fatal(err)
	}
	def, before := typeIndex(t, conn, schema)
	if !containsMD5(def) {
		t.Fatalf("type index at version 6: %s, want it on md5(type)", def)
	}
	if err := apply(ctx, conn, schema, ms, defaultLockPolicy()); err != nil {
		t.Fatal(err)
	}
	if def, after := typeIndex(t, conn, schema); after != before || !containsMD5(def) {
		t.Errorf("type index after migration 7: %s (OID %d), want the one before (OID %d)", def, after, before)
	}
}

// containsMD5 reports whether an index definition indexes md5(type).
func containsMD5(def string) bool { return strings.Contains(def, "md5(type)") }
