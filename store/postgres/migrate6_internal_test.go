package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// queryRower is a connection or a transaction.
type queryRower interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// appendCall appends n events to the stream by calling the schema's append_events in its own
// statement on q, as a Store's group of one does, and returns the call's result.
func appendCall(q queryRower, schema, stream string, expected int64, n int) (ok bool, version, head int64, err error) {
	ids, types, data, meta := make([][]byte, n), make([][]byte, n), make([][]byte, n), make([][]byte, n)
	for i := range n {
		ids[i], types[i], data[i], meta[i] = []byte(stream+"-"+strings.Repeat("x", i+1)), []byte("T"), []byte(`{}`), []byte(`{}`)
	}
	err = q.QueryRow(context.Background(), `SELECT ok, version, head FROM `+pgx.Identifier{schema, "append_events"}.Sanitize()+
		`($1, $2, $3, $4, now(), $5, $6, 'test')`, []byte(stream), expected, ids, types, data, meta).Scan(&ok, &version, &head)
	return ok, version, head, err
}

// callAppend is appendCall failing the test on an error.
func callAppend(tb testing.TB, q queryRower, schema, stream string, expected int64, n int) (ok bool, version, head int64) {
	tb.Helper()
	ok, version, head, err := appendCall(q, schema, stream, expected, n)
	if err != nil {
		tb.Fatalf("append_events(%s): %v", stream, err)
	}
	return ok, version, head
}

// schemaAt5 returns a new schema at version 5, what a server of the release before migration
// 6 runs on, and a connection, closed when the test ends.
func schemaAt5(t *testing.T) (url, schema string, conn *pgx.Conn) {
	t.Helper()
	url = pgtest.URL(t)
	schema = pgtest.Schema(t, url)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if ms[5].version != 6 {
		t.Fatalf("migration 6 is %d (%s)", ms[5].version, ms[5].name)
	}
	if err := apply(ctx, conn, schema, ms[:5], defaultLockPolicy()); err != nil {
		t.Fatal(err)
	}
	return url, schema, conn
}

// TestMigration6_upgradesALogInUse: a schema at version 5, written to through the function of
// that version (which kept the head and the streams' versions in tables), migrates to
// version 6 with its head and versions intact, and the views that replace those tables show
// what a server of the release before, still running, reads from them.
func TestMigration6_upgradesALogInUse(t *testing.T) {
	url, schema, conn := schemaAt5(t)
	ctx := context.Background()
	callAppend(t, conn, schema, "a", 0, 2)
	callAppend(t, conn, schema, "b", 0, 1)
	callAppend(t, conn, schema, "a", 2, 1)
	// A server of the release before reads the head and versions from tables, through
	// statements its connections prepared and keep (as pgx does by default); they must go
	// on working once the tables are views.
	oldHead := `SELECT position FROM ` + pgx.Identifier{schema, "log_head"}.Sanitize()
	oldVersion := `SELECT version FROM ` + pgx.Identifier{schema, "streams"}.Sanitize() + ` WHERE stream_id = $1`
	var head, v int64
	if err := conn.QueryRow(ctx, oldHead).Scan(&head); err != nil || head != 4 {
		t.Fatalf("log_head at version 5: %d, %v", head, err)
	}
	if err := conn.QueryRow(ctx, oldVersion, []byte("a")).Scan(&v); err != nil || v != 3 {
		t.Fatalf("streams at version 5: %d, %v", v, err)
	}

	s, err := Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h, err := s.Head(ctx); h != 4 || err != nil {
		t.Errorf("Head after the migration = %d, %v; want 4", h, err)
	}
	for stream, want := range map[string]store.Version{"a": 3, "b": 1, "c": 0} {
		if v, err := s.StreamVersion(ctx, stream); v != want || err != nil {
			t.Errorf("StreamVersion(%s) = %d, %v; want %d", stream, v, err, want)
		}
	}
	ev := store.EventData{Type: "T", Data: []byte(`{}`)}
	if a, err := s.Append(ctx, "a", 3, ev); err != nil || a != (store.Appended{Version: 4, Position: 5}) {
		t.Errorf("Append(a, 3) = %+v, %v; want version 4 at position 5", a, err)
	}
	var conflict *store.ConflictError
	if _, err := s.Append(ctx, "b", store.NoStream, ev); !errors.As(err, &conflict) || conflict.Actual != 1 {
		t.Errorf("Append(b, NoStream) = %v; want a conflict at version 1", err)
	}

	// What a server of the release before reads, through the statements prepared before.
	if err := conn.QueryRow(ctx, oldHead).Scan(&head); err != nil || head != 5 {
		t.Errorf("log_head view: %d, %v; want 5", head, err)
	}
	for stream, want := range map[string]int64{"a": 4, "b": 1} {
		if err := conn.QueryRow(ctx, oldVersion, []byte(stream)).Scan(&v); err != nil || v != want {
			t.Errorf("streams view, %s: %d, %v; want %d", stream, v, err, want)
		}
	}
	if err := conn.QueryRow(ctx, oldVersion, []byte("c")).Scan(&v); !errors.Is(err, pgx.ErrNoRows) {
		t.Errorf("streams view, a stream with no events: %d, %v; want no row", v, err)
	}
	// Its import updated log_head: that fails now, writing nothing.
	if _, err := conn.Exec(ctx, `UPDATE `+pgx.Identifier{schema, "log_head"}.Sanitize()+` SET position = position + 1`); err == nil {
		t.Error("an update of the log_head view succeeded")
	}
}

// TestMigration6_whileAppending: the migration runs while a server of the release before
// appends through its own connections. Its appends in flight finish first (the migration
// waits for them), those after it run the new function, one may fail as the table it was
// waiting for is dropped; no position is taken twice or skipped, and no version either.
func TestMigration6_whileAppending(t *testing.T) {
	url, schema, conn := schemaAt5(t)
	ctx := context.Background()
	const writers, each = 4, 60
	var wg sync.WaitGroup
	migrated := make(chan struct{})
	var written atomic.Int64
	for w := range writers {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		wg.Go(func() {
			for i := range each {
				if i == each/2 {
					<-migrated // half before the migration ends, at the latest, half after
				}
				ok, _, _, err := appendCall(c, schema, fmt.Sprint("s", (w+i)%3), -1, 1+i%3)
				if err == nil && ok {
					written.Add(int64(1 + i%3))
				}
			}
		})
	}
	s, err := Open(ctx, url, WithSchema(schema))
	close(migrated)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wg.Wait()
	var events int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "events"}.Sanitize()).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if int64(events) != written.Load() || events < writers*each/2 {
		t.Errorf("%d events in the log, %d appended", events, written.Load())
	}
	if h, err := s.Head(ctx); err != nil || int(h) != events {
		t.Errorf("Head = %d, %v; want %d", h, err, events)
	}
	next := store.Position(1)
	versions := map[string]store.Version{}
	for e, err := range s.ReadAll(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Position != next || e.Version != versions[e.StreamID]+1 {
			t.Fatalf("event at position %d, version %d of %s; want position %d, version %d", e.Position, e.Version, e.StreamID, next, versions[e.StreamID]+1)
		}
		next++
		versions[e.StreamID]++
	}
}

// Appends update no row: while a long transaction keeps old row versions alive (pg_dump),
// each update of a row shared by all appends left one more version that the next append
// had to pass over.
func TestStore_Append_updatesNoRow(t *testing.T) {
	s, _ := openFresh(t)
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	callAppend(t, tx, s.Schema(), "a", 0, 2)
	callAppend(t, tx, s.Schema(), "b", 0, 1)
	callAppend(t, tx, s.Schema(), "a", 2, 1)
	if ok, _, _ := callAppend(t, tx, s.Schema(), "a", 2, 1); ok {
		t.Fatal("an append at a stale version succeeded")
	}
	// The transaction's own counts, before they are reported.
	var inserted, updated int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(n_tup_ins), 0), coalesce(sum(n_tup_upd), 0)
		FROM pg_stat_xact_user_tables WHERE schemaname = $1`, s.Schema()).Scan(&inserted, &updated); err != nil {
		t.Fatal(err)
	}
	if inserted != 4 || updated != 0 {
		t.Errorf("four appended events inserted %d rows and updated %d; want 4 inserted, none updated", inserted, updated)
	}
}

// Import takes the lock append_events takes (migration 6), so no append runs between its
// reading the head and its commit: the two name the same advisory lock.
func TestStore_Import_takesTheAppendLock(t *testing.T) {
	s, _ := openFresh(t)
	ctx := context.Background()
	try := strings.Replace(s.sql.lockAppends, "pg_advisory_xact_lock", "pg_try_advisory_xact_lock", 1)
	if try == s.sql.lockAppends {
		t.Fatal("the lock's query does not call pg_advisory_xact_lock")
	}
	free := func() bool {
		t.Helper()
		var got bool
		if err := s.pool.QueryRow(ctx, try, s.Schema()).Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	callAppend(t, tx, s.Schema(), "a", 0, 1)
	if free() {
		t.Error("Import's lock was free while an append's transaction was open")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if !free() {
		t.Error("Import's lock was held after the append committed")
	}
}

// The roles that could read log_head and streams (one limited to its tables, running a server
// of the release before) can read the views that replace them: dropping the tables dropped
// their grants, and such a server failed every command once the migration committed. A
// role with an odd name, one with the grant option (kept), one reading through membership,
// and grants of columns (kept as such) (reviews).
func TestMigration6_keepsReaders(t *testing.T) {
	url, schema, conn := schemaAt5(t)
	ctx := context.Background()
	callAppend(t, conn, schema, "a", 0, 2)
	sfx := strings.TrimPrefix(schema, "test_")
	q := func(n string) string { return pgx.Identifier{schema, n}.Sanitize() }
	role := func(n string) string { return pgx.Identifier{n + sfx}.Sanitize() }
	odd, opt, grp, member, col, nobody := role(`Odd"Rö le `), role("opt_"), role("grp_"), role("member_"), role("col_"), role("nobody_")
	roles := []string{odd, opt, grp, member, col, nobody}
	both := q("log_head") + ", " + q("streams")
	setup := []string{}
	for _, r := range roles {
		setup = append(setup, `CREATE ROLE `+r)
	}
	setup = append(setup,
		`GRANT `+grp+` TO `+member,
		`GRANT USAGE ON SCHEMA `+pgx.Identifier{schema}.Sanitize()+` TO PUBLIC`,
		`GRANT SELECT ON `+both+` TO `+odd,
		`GRANT SELECT ON `+both+` TO `+opt+` WITH GRANT OPTION`,
		`GRANT SELECT ON `+both+` TO `+grp,
		`GRANT SELECT (stream_id, version) ON `+q("streams")+` TO `+col,
		`GRANT SELECT (position) ON `+q("log_head")+` TO `+col,
	)
	for _, sql := range setup {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		c := context.Background()
		_, _ = conn.Exec(c, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
		for _, r := range roles {
			if _, err := conn.Exec(c, `DROP ROLE IF EXISTS `+r); err != nil {
				t.Error(err)
			}
		}
	})
	priv := func(r, rel, p string) bool {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT has_table_privilege($1, $2, $3)`, strings.Trim(r, `"`), q(rel), p).Scan(&ok); err != nil {
			// has_table_privilege takes the role's name unquoted
			t.Fatalf("has_table_privilege(%s, %s, %s): %v", r, rel, p, err)
		}
		return ok
	}
	colPriv := func(r, rel, c string) bool {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT has_column_privilege($1, $2, $3, 'SELECT')`, strings.Trim(r, `"`), q(rel), c).Scan(&ok); err != nil {
			t.Fatalf("has_column_privilege: %v", err)
		}
		return ok
	}
	report := func(when string) map[string]bool {
		m := map[string]bool{}
		for _, rel := range []string{"log_head", "streams"} {
			m[odd+" "+rel] = priv(strings.ReplaceAll(odd, `""`, `"`), rel, "SELECT")
			m[opt+" "+rel] = priv(opt, rel, "SELECT")
			m[opt+" "+rel+" grant option"] = priv(opt, rel, "SELECT WITH GRANT OPTION")
			m[member+" "+rel] = priv(member, rel, "SELECT")
		}
		m[col+" streams.version"] = colPriv(col, "streams", "version")
		m[col+" log_head.position"] = colPriv(col, "log_head", "position")
		t.Logf("%s: %v", when, m)
		return m
	}
	before := report("before")
	s, err := Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	after := report("after")
	for k, v := range before {
		if v && !after[k] {
			t.Errorf("lost by migration 6: %s", k)
		}
	}
}

// The views belong to the tables' owner, also when another role (a superuser) migrates: a
// server of the release before, running as that owner, reads them (a review).
func TestMigration6_viewsBelongToTheTablesOwner(t *testing.T) {
	url, schema, conn := schemaAt5(t)
	ctx := context.Background()
	owner := "owner_" + strings.TrimPrefix(schema, "test_")
	q := func(n string) string { return pgx.Identifier{schema, n}.Sanitize() }
	for _, sql := range []string{
		`CREATE ROLE ` + owner,
		`GRANT USAGE ON SCHEMA ` + pgx.Identifier{schema}.Sanitize() + ` TO ` + owner,
		`ALTER TABLE ` + q("log_head") + ` OWNER TO ` + owner,
		`ALTER TABLE ` + q("streams") + ` OWNER TO ` + owner,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
		_, _ = conn.Exec(context.Background(), `DROP ROLE IF EXISTS `+owner)
	})
	s, err := Open(ctx, url, WithSchema(schema)) // as the superuser of the test server
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, rel := range []string{"log_head", "streams"} {
		var ok bool
		var own string
		if err := conn.QueryRow(ctx, `SELECT has_table_privilege($1, $2, 'SELECT'), pg_get_userbyid(relowner) FROM pg_class WHERE oid = $2::regclass`, owner, q(rel)).Scan(&ok, &own); err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Errorf("the tables' owner %s cannot read the view %s (owned by %s)", owner, rel, own)
		}
	}
}

// A migration that cannot get its locks (a pg_dump holds the tables until it ends) gives up
// after a bounded wait, and Open fails saying why, instead of waiting for the dump while
// every other server's appends wait behind it; once the dump is over, Open migrates.
func TestMigration6_duringADump(t *testing.T) {
	url, schema, conn := schemaAt5(t)
	callAppend(t, conn, schema, "a", 0, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dump, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer dump.Rollback(context.Background())
	q := func(n string) string { return pgx.Identifier{schema, n}.Sanitize() }
	// What pg_dump does first, for every table it dumps.
	if _, err := dump.Exec(ctx, `LOCK TABLE `+q("events")+`, `+q("streams")+`, `+q("log_head")+` IN ACCESS SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		s, err := Open(ctx, url, WithSchema(schema), WithMigrationLocks("200ms", 3, 50*time.Millisecond))
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	// A server of the release before goes on appending meanwhile, the dump still running.
	old, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close(context.Background())
	for i := range 5 {
		if _, _, _, err := appendCall(old, schema, "b", -1, 1); err != nil {
			t.Fatalf("append %d of a server of the release before, during the dump: %v", i, err)
		}
	}
	if err := <-opened; err == nil || !strings.Contains(err.Error(), "another transaction holds a table") {
		t.Fatalf("Open during the dump: %v; want a failure saying a transaction holds the tables", err)
	}
	if err := dump.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatalf("Open after the dump: %v", err)
	}
	defer s.Close()
	if h, err := s.Head(ctx); err != nil || h != 7 {
		t.Errorf("Head = %d, %v; want 7", h, err)
	}
}
