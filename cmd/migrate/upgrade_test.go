package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store/jsonl"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// upgradeLogs are the JSONL directories that servers of earlier commits wrote, which cmd/api's
// upgrade test starts today's server on (see its TestMain_upgradeFromEarlierReleases).
var upgradeLogs = filepath.Join("..", "api", "testdata", "upgrade")

// copyUpgradeLog copies the log that the server of commit wrote into a new directory and
// returns it.
func copyUpgradeLog(tb testing.TB, commit string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "data")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(upgradeLogs, commit, "data"))); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestRun_logsOfEarlierReleases copies the logs that servers of earlier commits wrote, with
// the saga's checkpoint when there is one.
func TestRun_logsOfEarlierReleases(t *testing.T) {
	for _, commit := range []string{"beb4d52", "cffe413"} {
		t.Run(commit, func(t *testing.T) {
			url := pgtest.URL(t)
			schema := pgtest.Schema(t, url)
			dir := copyUpgradeLog(t, commit)
			r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", schema, "--progress=false", dir)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			sameLog(t, dir, url, schema)
			src, err := jsonl.OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			want, err := src.Checkpoint(t.Context(), "saga:order-creation")
			src.Close()
			if err != nil {
				t.Fatal(err)
			}
			sameCheckpoint(t, url, schema, "saga:order-creation", want) // none in beb4d52's log: none copied
		})
	}
}

// TestRun_continuesACopyAnEarlierReleaseBegan: testdata/upgrade/ea138ef/schema.sql is a
// pg_dump (--schema, --no-owner, --no-privileges, --inserts) of the schema, at version 2,
// into which commit ea138ef's cmd/migrate copied the first 5 events of cffe413's log (as an
// interrupted copy leaves it). It was written by that commit's migrate, never by today's
// code: do not regenerate it. Today's migrate brings the schema to today's version, checks
// the prefix and copies the rest.
func TestRun_continuesACopyAnEarlierReleaseBegan(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	pgtest.RestoreDump(t, url, filepath.Join("testdata", "upgrade", "ea138ef", "schema.sql"), schema)
	dir := copyUpgradeLog(t, "cffe413")
	r := runMigrate(t, map[string]string{"EVENTGRAPH_POSTGRES_URL": url}, "--postgres-schema", schema, "--progress=false", dir)
	if r.code != exitOK || r.stderr != "" || !strings.Contains(r.stdout, "already holds events 1-5 of the log, identical") ||
		!strings.Contains(r.stdout, "copied 6 events (positions 6-11)") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	sameLog(t, dir, url, schema)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, `SELECT max(version) FROM `+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&v); err != nil || v != postgres.SchemaVersion() {
		t.Errorf("schema at version %d (%v), want %d", v, err, postgres.SchemaVersion())
	}
}
