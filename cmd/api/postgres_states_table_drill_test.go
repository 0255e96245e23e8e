//go:build unix

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// A server on a schema whose projection_states row an administrator changed or cannot let
// it use still serves the read models a replay of the log makes: states of another revision
// (as a release that changed a read model finds) are replayed over, said at Info and saved
// over by the next save; states beyond the log's head (a restored database) are replayed
// over with a warning and saved over; a role without privileges on the table (granted
// before migration 9 added it) replays, and its warnings name the table.
func TestMain_postgresStatesTableEdited(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    string // SQL run on the row; %s is the table
		noGrant bool   // run the second server as a role without privileges on the table
		log     string // what its log says
		warns   bool   // whether that is a warning
	}{
		{name: "another revision", edit: `UPDATE %s SET revisions[1] = 'restaurants/0'::bytea`, log: "projection states of another revision"},
		{name: "beyond the head", edit: `UPDATE %s SET position = position + 50, head = head + 50`, log: "projection states beyond the log's head", warns: true},
		{name: "no privileges", noGrant: true, log: "permission denied for table projection_states", warns: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := postgresArgs(t)
			raw, schema := args[3], args[5]
			table := pgx.Identifier{schema, "projection_states"}.Sanitize()
			m1, _ := placeOrders(t, 5, args...)
			if err := m1.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.edit != "" {
				adminExec(t, raw, strings.ReplaceAll(tc.edit, "%s", table))
			}
			run := args
			if tc.noGrant {
				role, roleURL := leastPrivilegedRole(t, raw, schema)
				adminExec(t, raw, `REVOKE ALL ON `+table+` FROM `+role)
				run = []string{"--store", "postgres", "--postgres-url", roleURL, "--postgres-schema", schema}
			}
			m2, logs := startMain(t, append(append([]string{}, run...), "--state-interval", "20ms")...)
			c2 := newClient(t, m2.URL()+"/graphql")
			// A write after the start, for the interval's save.
			gql(t, c2, placeOrder, map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": "late", "menuItemIds": []string{"pasta"}}})
			head := awaitQuiet(t, c2)
			ref, _ := startMain(t, append(append([]string{}, args...), "--state-interval", "0")...)
			cr := newClient(t, ref.URL()+"/graphql")
			awaitQuiet(t, c2, cr)
			if got, want := sharedReadModels(t, c2, head), sharedReadModels(t, cr, head); !jsonEqual(t, got, want) {
				t.Errorf("the read models differ from a replay of the log:\n%s\nwant\n%s", got, want)
			}
			if err := m2.Close(); err != nil {
				t.Fatal(err)
			}
			l := logs.String()
			if !strings.Contains(l, tc.log) {
				t.Errorf("the log does not say %q:\n%s", tc.log, l)
			}
			for line := range strings.Lines(l) {
				if bad := strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR"); bad && (!tc.warns || !strings.Contains(line, "projection states")) {
					t.Errorf("unexpected: %s", line)
				}
			}
			if tc.noGrant {
				return
			}
			// The server saved over the edited row: the next one resumes from its states.
			var pos int64
			var rev string
			if err := adminConn(t, raw).QueryRow(context.Background(), `SELECT position, convert_from(revisions[1], 'UTF8') FROM `+table).Scan(&pos, &rev); err != nil {
				t.Fatal(err)
			}
			if pos != head || rev != "restaurants/1" {
				t.Errorf("the row holds states at %d of revision %q, want the server's at the head %d, restaurants/1", pos, rev, head)
			}
		})
	}
}

// adminConn connects to raw for the test.
func adminConn(t *testing.T, raw string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func adminExec(t *testing.T, raw, sql string) {
	t.Helper()
	if _, err := adminConn(t, raw).Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// leastPrivilegedRole creates a login role with the grants of the README's Least
// privilege on schema, dropped when the test ends, and returns it with its URL.
func leastPrivilegedRole(t *testing.T, raw, schema string) (string, string) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "drill_" + hex.EncodeToString(b[:])
	q := pgx.Identifier{schema}.Sanitize()
	adminExec(t, raw, `CREATE ROLE `+role+` LOGIN`)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), raw)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP OWNED BY `+role+`; DROP ROLE `+role); err != nil {
			t.Error(err)
		}
	})
	adminExec(t, raw, `GRANT USAGE ON SCHEMA `+q+` TO `+role)
	adminExec(t, raw, `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA `+q+` TO `+role)
	adminExec(t, raw, `GRANT EXECUTE ON FUNCTION `+q+`.append_events TO `+role)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	return role, u.String()
}
