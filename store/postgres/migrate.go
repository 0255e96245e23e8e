package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded schema change, applied once per schema, in version order.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations, sorted by version. Their files are named
// NNNN_name.sql.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration file %q is not named NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(migrationFiles, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion is the version of the newest embedded migration: the schema version this
// package creates and expects.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate brings the schema to the latest version, holding a session advisory lock so
// concurrent Opens apply each migration once. It refuses a schema migrated by a newer
// version of this package.
//
// A schema already at the latest version is left alone, without taking the lock or running
// any DDL: CREATE SCHEMA IF NOT EXISTS and CREATE TABLE IF NOT EXISTS check the privilege
// to create before they find that the object exists, so they would fail for a role that
// may only use the tables (a migrated schema run by a least-privilege role). Likewise a
// schema that exists (an administrator created it for the role, with CREATE SCHEMA ...
// AUTHORIZATION) is not created again, so the role needs no CREATE privilege on the
// database.
func migrate(ctx context.Context, conn *pgx.Conn, schema string, lp lockPolicy) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return apply(ctx, conn, schema, ms, lp)
}

// apply is migrate with the migrations given, ms, sorted by version: its tests bring a
// schema to an older version.
func apply(ctx context.Context, conn *pgx.Conn, schema string, ms []migration, lp lockPolicy) (err error) {
	latest := ms[len(ms)-1].version
	// Versions only grow, so a schema found at the latest one needs nothing, lock or not.
	st, err := readSchema(ctx, conn, schema)
	if err != nil {
		return err
	}
	if st.version >= latest {
		return checkNotNewer(schema, st.version, latest)
	}
	// The lock key is derived from the schema, so independent schemas migrate independently.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended('eventgraph.migrate:' || $1, 0))`, schema); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		_, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended('eventgraph.migrate:' || $1, 0))`, schema)
		if err == nil && uerr != nil {
			err = fmt.Errorf("postgres: migrate: unlock: %w", uerr)
		}
	}()
	// Under the lock, look again: another Open may have created or migrated it meanwhile.
	if st, err = readSchema(ctx, conn, schema); err != nil {
		return err
	}
	if err := checkNotNewer(schema, st.version, latest); err != nil {
		return err
	}
	q := pgx.Identifier{schema}.Sanitize()
	if !st.exists {
		if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+q); err != nil {
			return fmt.Errorf("postgres: migrate: create schema %s: %w", schema, err)
		}
	}
	if !st.tracked {
		if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+q+`.schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("postgres: migrate: create schema_migrations in %s: %w", schema, err)
		}
	}
	for _, m := range ms {
		if m.version <= st.version {
			continue
		}
		if err := applyOne(ctx, conn, q, m, lp); err != nil {
			return fmt.Errorf("postgres: migrate %s to version %d (%s): %w", schema, m.version, m.name, err)
		}
	}
	return nil
}

// lockPolicy is how long a migration waits for a lock on a table (a PostgreSQL interval),
// how often it tries, and how long it pauses between tries. A migration that changes a table
// waits for the transactions using it, and while it waits every other use of the table waits
// behind it: a pg_dump holds a lock on every table until it ends, so with no bound a
// migration started during a dump stopped the other servers' appends for the whole dump (a
// review). Past the last try, Open fails, naming the cause; a later start migrates.
type lockPolicy struct {
	timeout string
	tries   int
	pause   time.Duration
}

func defaultLockPolicy() lockPolicy {
	return lockPolicy{timeout: "3s", tries: 5, pause: 2 * time.Second}
}

// applyOne applies migration m in a transaction of its own, recording it in
// schema_migrations. q is the schema, quoted.
func applyOne(ctx context.Context, conn *pgx.Conn, q string, m migration, lp lockPolicy) error {
	for try := 1; ; try++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+q); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, lp.timeout); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55P03" { // lock_not_available
			return err
		}
		if try >= lp.tries {
			return fmt.Errorf("another transaction holds a table the migration changes (a pg_dump, a long report?), %d tries of %s: start again once it has ended: %w", try, lp.timeout, err)
		}
		t := time.NewTimer(lp.pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
	}
}

// schemaState is what migrate finds of a schema.
type schemaState struct {
	exists  bool // the schema exists
	tracked bool // it holds a schema_migrations table
	version int  // the newest migration recorded there; 0 when none
}

// readSchema looks the schema up in the catalogs, which every role may read (to_regclass
// would need USAGE on the schema), and reads its version when it records one.
func readSchema(ctx context.Context, conn *pgx.Conn, schema string) (schemaState, error) {
	var st schemaState
	err := conn.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1),
		EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = 'schema_migrations')`, schema).Scan(&st.exists, &st.tracked)
	if err != nil {
		return st, fmt.Errorf("postgres: migrate: look up schema %s: %w", schema, err)
	}
	if !st.tracked {
		return st, nil
	}
	q := pgx.Identifier{schema, "schema_migrations"}.Sanitize()
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+q).Scan(&st.version); err != nil {
		return st, fmt.Errorf("postgres: migrate: read the version of schema %s: %w", schema, err)
	}
	return st, nil
}

// checkNotNewer fails when the schema is at a version newer than this package knows.
func checkNotNewer(schema string, current, latest int) error {
	if current > latest {
		return fmt.Errorf("postgres: schema %s is at version %d, newer than this program knows (%d): upgrade the program", schema, current, latest)
	}
	return nil
}
