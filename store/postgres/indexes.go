package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// checkIndexes fails when the schema's events table lacks a valid index the log's
// guarantees stand on: its primary key (position), which keeps one event a position, and
// the unique (stream_id, version), which keeps one event a stream's version (and from which
// appends read a stream's version and the head). A restore that failed midway leaves the
// table so: pg_restore creates the tables, copies the rows, and builds the indexes last, and
// with servers still appending meanwhile their events took positions the copy then took
// again, so the primary key could not be built (`could not create unique index
// "events_pkey"`). A store opened on such a table would read two events at a position
// without a word.
func checkIndexes(ctx context.Context, conn *pgx.Conn, schema string) error {
	const q = `SELECT
		coalesce(bool_or(i.indisprimary AND i.indisvalid), false),
		coalesce(bool_or(i.indisunique AND i.indisvalid AND i.indpred IS NULL AND
			ARRAY(SELECT a.attname FROM pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
				JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
				ORDER BY k.n) = ARRAY['stream_id', 'version']::name[]), false)
		FROM pg_catalog.pg_index i WHERE i.indrelid = $1::regclass`
	var primary, versions bool
	if err := conn.QueryRow(ctx, q, pgx.Identifier{schema, "events"}.Sanitize()).Scan(&primary, &versions); err != nil {
		return fmt.Errorf("postgres: open: check the events table's indexes: %w", err)
	}
	missing := ""
	switch {
	case !primary:
		missing = "its primary key (position)"
	case !versions:
		missing = "its unique index on (stream_id, version)"
	}
	if missing != "" {
		return fmt.Errorf("postgres: open: the events table of schema %q lacks %s, which keeps the log one event a position and a stream's version: "+
			"a restore that failed midway (servers still writing while pg_restore ran) leaves it so, perhaps with two events at a position; "+
			"restore the backup again into a new schema with every server stopped, or rebuild the index", schema, missing)
	}
	return nil
}
