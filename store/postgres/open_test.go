package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// admin runs statements as the test database's user, on one connection closed when the
// test ends.
func admin(tb testing.TB, url string) func(sql string) {
	tb.Helper()
	conn, err := pgx.Connect(tb.Context(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return func(sql string) {
		tb.Helper()
		if _, err := conn.Exec(tb.Context(), sql); err != nil {
			tb.Fatalf("%s: %v", sql, err)
		}
	}
}

// newRole creates a login role with only what PUBLIC may do (no CREATE on the database, as
// for any new role) and returns its name and a URL that connects as it. When the test
// ends, what the role owns in the test database is dropped, what it was granted revoked,
// and the role dropped. Call it after pgtest.Schema, so that this runs before the schema's
// drop. It skips the test when the test database's user may not create roles.
func newRole(tb testing.TB, raw string) (role, roleURL string) {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Skipf("%s is not a postgres:// URL, which this test needs to connect as another role", pgtest.EnvURL)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	role = "test_role_" + hex.EncodeToString(b[:])
	password := hex.EncodeToString(b[:]) + "-pw"
	conn, err := pgx.Connect(tb.Context(), raw)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(tb.Context(), `CREATE ROLE `+role+` LOGIN PASSWORD '`+password+`'`)
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "42501" {
		tb.Skipf("the test database's user may not create roles: %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, raw)
		if err != nil {
			tb.Errorf("drop role %s: %v", role, err)
			return
		}
		defer c.Close(ctx)
		for _, sql := range []string{`DROP OWNED BY ` + role + ` CASCADE`, `DROP ROLE ` + role} {
			if _, err := c.Exec(ctx, sql); err != nil {
				tb.Errorf("%s: %v", sql, err)
			}
		}
	})
	u.User = url.UserPassword(role, password)
	return role, u.String()
}

// appendAndRead appends an event through s and reads it back.
func appendAndRead(tb testing.TB, s *postgres.Store) {
	tb.Helper()
	a, err := s.Append(tb.Context(), "s", store.Any, store.EventData{Type: "T", Data: []byte(`1`)})
	if err != nil {
		tb.Fatalf("Append: %v", err)
	}
	got := readAllEvents(tb, s)
	if len(got) == 0 || got[len(got)-1].Position != a.Position {
		tb.Fatalf("read %d events after appending at position %d", len(got), a.Position)
	}
}

// TestOpen_withoutCreatePrivileges: a role that may not create schemas (a new role may
// not) opens a store in a schema an administrator created for it, and a role that may only
// use the tables opens a schema already at the latest version: Open runs no DDL then.
// CREATE SCHEMA IF NOT EXISTS and CREATE TABLE IF NOT EXISTS, which Open ran every time,
// fail for both, though the objects exist.
func TestOpen_withoutCreatePrivileges(t *testing.T) {
	raw := pgtest.URL(t)

	t.Run("a schema created for the role", func(t *testing.T) {
		schema := pgtest.Schema(t, raw)
		role, roleURL := newRole(t, raw)
		admin(t, raw)(`CREATE SCHEMA ` + pgx.Identifier{schema}.Sanitize() + ` AUTHORIZATION ` + role)
		s, err := postgres.Open(t.Context(), roleURL, postgres.WithSchema(schema))
		if err != nil {
			t.Fatalf("Open as the owner of a schema created for it: %v", err)
		}
		defer s.Close()
		appendAndRead(t, s)
	})

	t.Run("a role that may only use the tables of a migrated schema", func(t *testing.T) {
		schema := pgtest.Schema(t, raw)
		owner, err := postgres.Open(t.Context(), raw, postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		_ = owner.Close()
		role, roleURL := newRole(t, raw)
		q := pgx.Identifier{schema}.Sanitize()
		exec := admin(t, raw)
		exec(`GRANT USAGE ON SCHEMA ` + q + ` TO ` + role)
		exec(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ` + q + ` TO ` + role)
		exec(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ` + q + ` TO ` + role)
		for range 2 { // the second Open finds the events of the first
			s, err := postgres.Open(t.Context(), roleURL, postgres.WithSchema(schema))
			if err != nil {
				t.Fatalf("Open as a role that may only use the tables: %v", err)
			}
			appendAndRead(t, s)
			_ = s.Close()
		}
	})
}

// TestStore_Append_underAStricterDefaultIsolation: a database, role or URL whose
// default_transaction_isolation is repeatable read or serializable (a common hardening)
// does not apply to the store's connections. Under it, an append that waited for the head
// lock failed with a serialization failure (SQLSTATE 40001), though appends with store.Any
// to distinct streams have no conflict to report.
func TestStore_Append_underAStricterDefaultIsolation(t *testing.T) {
	raw := pgtest.URL(t)
	for _, level := range []string{"repeatable read", "serializable"} {
		for _, where := range []string{"url", "role"} {
			t.Run(level+" as the "+where+"'s default", func(t *testing.T) {
				schema := pgtest.Schema(t, raw)
				u := raw
				switch where {
				case "url":
					u = withParam(raw, "default_transaction_isolation", level)
				case "role":
					var role string
					role, u = newRole(t, raw)
					exec := admin(t, raw)
					exec(`ALTER ROLE ` + role + ` SET default_transaction_isolation = '` + level + `'`)
					exec(`CREATE SCHEMA ` + pgx.Identifier{schema}.Sanitize() + ` AUTHORIZATION ` + role)
				}
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				a, err := postgres.Open(ctx, u, postgres.WithSchema(schema))
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer a.Close()
				b := openSame(t, u, a) // two servers contend for the append lock
				var got string
				if err := b.Pool().QueryRow(ctx, `SHOW transaction_isolation`).Scan(&got); err != nil || got != "read committed" {
					t.Errorf("the pool's transactions run at %q (%v), want read committed", got, err)
				}
				const writers, appends = 16, 30
				errs := make(chan error, writers*appends)
				var wg sync.WaitGroup
				for w := range writers {
					s := []*postgres.Store{a, b}[w%2]
					wg.Go(func() {
						for i := range appends {
							_, err := s.Append(ctx, fmt.Sprint("w-", w), store.Any, store.EventData{Type: "T", Data: []byte(fmt.Sprint(i))})
							if err != nil {
								errs <- err
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				failed := 0
				for err := range errs {
					if failed == 0 {
						t.Errorf("Append with store.Any to a stream of its own: %v", err)
					}
					failed++
				}
				if failed > 0 {
					t.Errorf("%d of %d appends failed", failed, writers*appends)
				}
				if h, err := a.Head(ctx); err != nil || h != store.Position(writers*appends-failed) {
					t.Errorf("head %d (%v) after %d appends of one event", h, err, writers*appends-failed)
				}
			})
		}
	}
}

// withParam returns the URL raw with a query parameter added.
func withParam(raw, key, value string) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	// pgx takes "+" in a query for itself, not for a space.
	escape := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	return raw + sep + escape(key) + "=" + escape(value)
}

// TestOpen_poolSettingsFromTheURL: the pool takes its settings from the URL, and makes
// connections on demand when the URL does not say otherwise. Open set pool_min_conns to 0
// whatever the URL said.
func TestOpen_poolSettingsFromTheURL(t *testing.T) {
	s, raw := open(t)
	for _, tc := range []struct {
		name     string
		params   [][2]string
		min, max int32
	}{
		{"none", nil, 0, s.Pool().Config().MaxConns},
		{"pool_max_conns", [][2]string{{"pool_max_conns", "7"}}, 0, 7},
		{"pool_min_conns and pool_max_conns", [][2]string{{"pool_max_conns", "7"}, {"pool_min_conns", "3"}}, 3, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := raw
			for _, p := range tc.params {
				u = withParam(u, p[0], p[1])
			}
			cfg := openSame(t, u, s).Pool().Config()
			if cfg.MinConns != tc.min || cfg.MaxConns != tc.max {
				t.Errorf("pool MinConns %d, MaxConns %d; want %d and %d", cfg.MinConns, cfg.MaxConns, tc.min, tc.max)
			}
		})
	}
}

// TestOpen_errorsNeverShowThePassword: a connection string Open cannot parse is not quoted
// in its error, which programs print (cmd/migrate does). pgx masks the password at best
// effort only: before, a password with a space in a keyword/value string, a URL with a
// misspelt scheme followed by settings, or a password-like string alone showed in it.
func TestOpen_errorsNeverShowThePassword(t *testing.T) {
	// Each holds the password s3cret, which no error may show.
	for _, raw := range []string{
		"s3cret",
		"u:s3cret@db/x",
		"postgress://u:s3cret@db/x sslmode=disable",
		"postgres://u:s3cret@db:abc/x",
		"postgres://u:s3 cret@db/x",
		"postgres://u:s3cret%zz@db/x",
		"postgres://u@db/x?password=s3%zzcret",
		"postgres://u:s3cret@db/x?sslmode=bogus",
		"postgres://u:s3cret@db/x?pool_max_conns=many",
		"host=db password=s3 cret",
		"host=db password=s3cret port=abc",
		"host=db password='s3cret",
	} {
		t.Run(raw, func(t *testing.T) {
			s, err := postgres.Open(t.Context(), raw)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if msg := err.Error(); strings.Contains(msg, "s3") || strings.Contains(msg, "cret") {
				t.Errorf("error %q shows the password", msg)
			} else if !strings.HasPrefix(msg, "postgres: open: invalid connection string") {
				t.Errorf("error %q: want it to say the connection string is invalid", msg)
			}
		})
	}
}
