package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// TestMain_upgradeFromEarlierReleasesOnPostgres is TestMain_upgradeFromEarlierReleases on
// PostgreSQL: it starts today's server on schemas that servers of earlier commits wrote, as an
// operator upgrading in place does, and checks the same (events, read models, command ids, the
// saga, expected versions, a subscription resuming), and that the schema is migrated to today's
// version. Each testdata/upgrade-postgres/<commit> holds schema.sql, a pg_dump (--schema,
// --no-owner, --no-privileges, --inserts) of the schema that commit's cmd/api wrote, taken
// after its SIGTERM; server.json, the mutations it was sent with its answers, then its answer
// to readModelsQuery; and events.json, its answer to an events query. Each was written by that
// commit's cmd/api (git worktree add, go build ./cmd/api, curl, pg_dump), never by today's
// code: do not regenerate them, add a directory for a later commit instead. The mutations are
// those of testdata/upgrade/cffe413 (without the tab in a menu item's name, which these
// commits refuse), then a placement without a command id and a rejected one.
func TestMain_upgradeFromEarlierReleasesOnPostgres(t *testing.T) {
	for _, tc := range []struct {
		commit       string
		what         string
		sagaFailures int // see TestMain_upgradeFromEarlierReleases
	}{
		{"ea138ef", "2026-12-03: schema version 2 (no checkpoints: the saga reads the log from its start), bare saga command ids", 1},
		{"b1bb84e", "2026-12-03: version 3, the saga's checkpoint, bare saga command ids", 0},
		{"0a9f885", "2026-12-05: version 4, snapshots of the restaurant state's second revision, bare saga command ids", 0},
		{"2bceaa5", "2026-12-05: version 5 with migration 5 as that commit first wrote it (its index on the events' types themselves, which migration 7 rebuilds), bare saga command ids", 0},
		{"c92d268", "2026-12-06: version 5, the release before migration 6 (log_head and streams tables), saga/ command ids", 0},
	} {
		t.Run(tc.commit+", "+tc.what, func(t *testing.T) {
			src := filepath.Join("testdata", "upgrade-postgres", tc.commit)
			var fx upgradeFixture
			readFixtureJSON(t, filepath.Join(src, "server.json"), &fx)
			var events []apiEvent
			readFixtureJSON(t, filepath.Join(src, "events.json"), &events)
			lines := make([]fixtureLine, len(events))
			for i, e := range events {
				lines[i] = e.line()
			}

			url := pgtest.URL(t)
			schema := pgtest.Schema(t, url)
			pgtest.RestoreDump(t, url, filepath.Join(src, "schema.sql"), schema)

			m, _ := startMain(t, "--store", "postgres", "--postgres-url", url, "--postgres-schema", schema, "--snapshot-every", "2")
			awaitReady(t, m)
			if v := schemaVersion(t, url, schema); v != postgres.SchemaVersion() {
				t.Errorf("schema at version %d after the start, want %d", v, postgres.SchemaVersion())
			}
			if def := typeIndexDef(t, url, schema); !strings.Contains(def, "md5(type)") {
				t.Errorf("the events' type index after the start: %s, want it on md5(type)", def)
			}
			c := newClient(t, m.URL()+"/graphql")
			checkUpgraded(t, c, fx, lines, tc.sagaFailures)
		})
	}
}

// readFixtureJSON decodes the JSON file at path into v.
func readFixtureJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// schemaVersion returns the newest migration the schema records.
func schemaVersion(tb testing.TB, url, schema string) int {
	tb.Helper()
	var v int
	queryOne(tb, url, `SELECT max(version) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize(), &v)
	return v
}

// typeIndexDef returns the definition of the schema's index on the events' types.
func typeIndexDef(tb testing.TB, url, schema string) string {
	tb.Helper()
	var def string
	queryOne(tb, url, `SELECT pg_get_indexdef(to_regclass(`+quoteLiteral(pgx.Identifier{schema, "events_type_position"}.Sanitize())+`))`, &def)
	return def
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// queryOne runs a query of one row and column on a connection of its own and scans it into v.
func queryOne(tb testing.TB, url, query string, v any) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, query).Scan(v); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}
