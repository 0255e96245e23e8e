package pgtest

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// dumpSchema finds the schema a pg_dump creates.
var dumpSchema = regexp.MustCompile(`(?m)^CREATE SCHEMA ([a-z0-9_]+);$`)

// RestoreDump runs the plain pg_dump of one schema at path, as psql would, into the schema
// named schema instead of the one it was taken of (it must not exist yet). The dump's psql
// meta-commands (\restrict and \unrestrict, which newer pg_dumps write around it) are left
// out. Upgrade tests restore with it the schemas that servers of earlier releases wrote.
func RestoreDump(tb testing.TB, url, path, schema string) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	m := dumpSchema.FindSubmatch(b)
	if m == nil {
		tb.Fatalf("%s creates no schema", path)
	}
	var sql strings.Builder
	for line := range strings.Lines(string(b)) {
		if !strings.HasPrefix(line, `\`) {
			sql.WriteString(line)
		}
	}
	// The dump names its schema, in statements and as the append function's search_path.
	script := regexp.MustCompile(`\b`+string(m[1])+`\b`).ReplaceAllLiteralString(sql.String(), schema)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, script); err != nil { // no arguments: the simple protocol, many statements
		tb.Fatalf("restore %s: %v", path, err)
	}
}
