package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
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

// migrate creates the schema if needed and applies the migrations it lacks, each in its own
// transaction, holding a session advisory lock so concurrent Opens apply each migration
// once. It refuses a schema migrated by a newer version of this package.
func migrate(ctx context.Context, conn *pgx.Conn, schema string) (err error) {
	ms, err := migrations()
	if err != nil {
		return err
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
	q := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+q); err != nil {
		return fmt.Errorf("postgres: migrate: create schema %s: %w", schema, err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+q+`.schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+q+`.schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: migrate: read schema version: %w", err)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("postgres: schema %s is at version %d, newer than this program knows (%d): upgrade the program", schema, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+q); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		}); err != nil {
			return fmt.Errorf("postgres: migrate %s to version %d (%s): %w", schema, m.version, m.name, err)
		}
	}
	return nil
}
