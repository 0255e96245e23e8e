// Package pgtest helps tests use a real PostgreSQL server: it finds the server's URL in
// the environment and gives each test a fresh schema that is dropped when the test ends.
//
// Set EVENTGRAPH_TEST_POSTGRES_URL to a database the tests may create schemas in, for
// example with the throwaway server of the CI script:
//
//	source .ci/postgres.sh && go test ./store/postgres/... ./cmd/... ; postgres_stop
//
// Without it the tests skip, saying so — except under CI (CI=true), where a missing URL
// fails them, so CI never passes without having run them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable that holds the test database's URL.
const EnvURL = "EVENTGRAPH_TEST_POSTGRES_URL"

// URL returns the test database's URL. Without one it skips the test with instructions,
// or fails it when the CI environment variable is "true".
func URL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv(EnvURL)
	if url != "" {
		return url
	}
	const how = EnvURL + " is not set: these tests need a PostgreSQL database. " +
		"Run them with a throwaway server: `source .ci/postgres.sh && go test ./store/postgres/...; postgres_stop` " +
		"(needs Debian's postgresql and root), or point " + EnvURL + " at a database you may create schemas in, " +
		"e.g. postgres://user@localhost:5432/eventgraph_test?sslmode=disable"
	if os.Getenv("CI") == "true" {
		tb.Fatal(how)
	}
	tb.Skip(how)
	return ""
}

// Schema returns a new schema name, unique to this test, and drops that schema (with
// everything in it) when the test ends. The schema itself is created by whoever uses it.
func Schema(tb testing.TB, url string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	DropAtEnd(tb, url, name)
	return name
}

// DropAtEnd drops the schema (with everything in it) when the test ends.
func DropAtEnd(tb testing.TB, url, schema string) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
}
