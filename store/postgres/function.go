package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// checkAppendFunction fails when the schema's append_events would write to another schema.
// The function finds its tables through the search_path it was created with (SET search_path
// FROM CURRENT: the schema's name at the time), which a later ALTER SCHEMA ... RENAME leaves
// as it was. In a renamed schema, every append then failed ("relation events does not
// exist") or, were a schema of the old name there again (a log restored under that name, or
// a new server started on it), went into that other schema's log without a word: the
// client got a position of the other log, and the event never reached this one.
func checkAppendFunction(ctx context.Context, conn *pgx.Conn, schema string) error {
	var (
		config []string // the function's settings, name=value
		want   string   // the search_path the schema's migrations set, as PostgreSQL spells it
	)
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+pgx.Identifier{schema}.Sanitize()); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT coalesce(p.proconfig, '{}'), 'search_path=' || current_setting('search_path')
			FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname = $1 AND p.proname = 'append_events'`, schema).Scan(&config, &want)
	})
	if err != nil {
		return fmt.Errorf("postgres: open: check the function append_events of schema %q: %w", schema, err)
	}
	if !slices.Contains(config, want) {
		return fmt.Errorf("postgres: open: the function append_events of schema %q is set to write elsewhere (%v, not %s): "+
			"the schema was renamed (ALTER SCHEMA ... RENAME) after its tables were made, and its appends would go to the schema of the old name; "+
			"as the schema's owner, run ALTER FUNCTION %s.append_events SET %s, or rename the schema back",
			schema, config, want, pgx.Identifier{schema}.Sanitize(), want)
	}
	return nil
}
