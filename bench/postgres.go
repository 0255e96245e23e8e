package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store/postgres"
)

// keyPostgres is the eventgraph PostgreSQL store's case.
const keyPostgres = "postgres"

// postgresURLEnv names the database the PostgreSQL cases run against. They are left out of
// the run (and the report says so) when it is unset: the command never starts a server itself.
// `source .ci/postgres.sh` in the repository root starts a throwaway one and sets
// EVENTGRAPH_TEST_POSTGRES_URL, which is read as a fallback.
const postgresURLEnv = "EVENTGRAPH_BENCH_POSTGRES_URL"

func postgresURL() string {
	if u := os.Getenv(postgresURLEnv); u != "" {
		return u
	}
	return os.Getenv("EVENTGRAPH_TEST_POSTGRES_URL")
}

// checkPostgres connects once to the configured PostgreSQL server, when the run would
// measure it, and returns why its cases must be skipped ("" when they run or none is
// configured). An unreachable server is skipped with a warning, not a failure of the run.
func checkPostgres(ctx context.Context, cfg config, stderr io.Writer) string {
	if postgresURL() == "" || !(cfg.selects(keyPostgres) || cfg.selects(keyPostgres, "read")) {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, postgresURL())
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err == nil {
		return ""
	}
	fmt.Fprintf(stderr, "bench: PostgreSQL (%s) could not be reached, its cases are skipped: %v\n", postgresURLEnv, err)
	return "the server it names could not be reached when the run started"
}

// postgresHint is added to the list of -only's keys when no PostgreSQL server is configured.
func postgresHint() string {
	if postgresURL() != "" {
		return ""
	}
	return "; postgres runs only with " + postgresURLEnv + " set"
}

// postgresLoopback reports whether the configured server is on this machine (a loopback
// address or a unix socket).
func postgresLoopback() bool {
	c, err := pgx.ParseConfig(postgresURL())
	if err != nil {
		return false
	}
	if strings.HasPrefix(c.Host, "/") || c.Host == "localhost" {
		return true
	}
	ip := net.ParseIP(c.Host)
	return ip != nil && ip.IsLoopback()
}

// pgTarget is the PostgreSQL store in a schema of its own, dropped when the case ends.
type pgTarget struct {
	storeTarget
	url, schema string
}

func openPostgres(ctx context.Context) (writeTarget, error) {
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	s, err := postgres.Open(ctx, postgresURL(), postgres.WithSchema(schema))
	if err != nil {
		return nil, err
	}
	return pgTarget{storeTarget: storeTarget{s: s}, url: postgresURL(), schema: schema}, nil
}

func (t pgTarget) close() error {
	err := t.storeTarget.close()
	ctx := context.Background()
	conn, cerr := pgx.Connect(ctx, t.url)
	if cerr != nil {
		return errors.Join(err, cerr)
	}
	defer conn.Close(ctx)
	_, derr := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{t.schema}.Sanitize()+" CASCADE")
	return errors.Join(err, derr)
}

// postgresWriteCases is the PostgreSQL write case when a database is configured.
func postgresWriteCases() []writeCase {
	if postgresURL() == "" {
		return nil
	}
	return []writeCase{{key: keyPostgres, title: "eventgraph PostgreSQL (synchronous_commit on)", durable: true,
		group: "eventgraph", baselines: durableBaseline,
		open: func(ctx context.Context, _ string) (writeTarget, error) { return openPostgres(ctx) }}}
}

// postgresReadCases is the PostgreSQL read case when a database is configured.
func postgresReadCases() []readCase {
	if postgresURL() == "" {
		return nil
	}
	return []readCase{{key: keyPostgres, title: "eventgraph PostgreSQL",
		open: func(ctx context.Context, _ string) (readTarget, error) {
			t, err := openPostgres(ctx)
			if err != nil {
				return nil, err
			}
			return t.(pgTarget), nil
		}}}
}
