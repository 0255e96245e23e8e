package postgres_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// sameSnapshot reports whether a and b are equal, State byte for byte.
func sameSnapshot(a, b store.Snapshot) bool {
	return a.Version == b.Version && a.EventID == b.EventID && a.Revision == b.Revision && bytes.Equal(a.State, b.State)
}

// snapshotAt is a snapshot of revision rev at version v, whose event id and state name v.
func snapshotAt(v int, rev string) store.Snapshot {
	return store.Snapshot{Version: store.Version(v), EventID: fmt.Sprint("e", v), Revision: rev,
		State: json.RawMessage(fmt.Sprintf(`{"v": %d}`, v))}
}

// appendNamed appends n events to stream, whose ids name their versions as snapshotAt's do:
// a snapshot keeps an older one out only if the log holds the event it names.
func appendNamed(tb testing.TB, s *postgres.Store, stream string, n int) {
	tb.Helper()
	events := make([]store.EventData, n)
	for i := range events {
		events[i] = store.EventData{ID: fmt.Sprint("e", i+1), Type: "T", Data: json.RawMessage(`{}`)}
	}
	if _, err := s.Append(tb.Context(), stream, store.NoStream, events...); err != nil {
		tb.Fatal(err)
	}
}

// Servers sharing a schema share snapshots: one saved by either is read by both, and a
// slower server's older snapshot of the same revision does not replace a further-on one.
// One of the same version, or of another revision, does.
func TestStore_snapshotsAreSharedAndNeverGoBack(t *testing.T) {
	ctx := t.Context()
	a, url := open(t)
	b := openSame(t, url, a)
	appendNamed(t, a, "s", 4)
	sameVersion := snapshotAt(3, "r1")
	sameVersion.State = json.RawMessage(`{"v": 3, "again": true}`)
	steps := []struct {
		name       string
		by         *postgres.Store
		save, want store.Snapshot
	}{
		{"A saves version 3", a, snapshotAt(3, "r1"), snapshotAt(3, "r1")},
		{"B, slower, saves version 2 of the same revision", b, snapshotAt(2, "r1"), snapshotAt(3, "r1")},
		{"B saves version 3 again", b, sameVersion, sameVersion},
		{"B saves version 4", b, snapshotAt(4, "r1"), snapshotAt(4, "r1")},
		{"A saves version 1 of another revision", a, snapshotAt(1, "r2"), snapshotAt(1, "r2")},
		{"B, not yet upgraded, saves version 2 of the first revision", b, snapshotAt(2, "r1"), snapshotAt(2, "r1")},
	}
	for _, st := range steps {
		if err := st.by.SaveSnapshot(ctx, "s", st.save); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for _, r := range []struct {
			name string
			s    *postgres.Store
		}{{"A", a}, {"B", b}} {
			got, ok, err := r.s.Snapshot(ctx, "s")
			if err != nil || !ok || !sameSnapshot(got, st.want) {
				t.Fatalf("after %s, %s reads %+v (state %s), %v, %v; want %+v (state %s)",
					st.name, r.name, got, got.State, ok, err, st.want, st.want.State)
			}
		}
	}
}

// Writers on two servers race to save versions 1..n of one revision, in random orders:
// the stored version never goes back, whatever the interleaving, and ends at n. A check
// made outside the saving statement (read, compare, then write) lets a slower writer
// overwrite a further-on snapshot that was saved in between.
func TestStore_snapshotsNeverGoBackUnderConcurrentSaves(t *testing.T) {
	ctx := t.Context()
	a, url := open(t)
	b := openSame(t, url, a)
	const writers, n = 16, 400
	appendNamed(t, a, "s", n)
	versions := rand.Perm(n)
	var wg sync.WaitGroup
	errs := make(chan error, writers+2)
	stop := make(chan struct{})
	for w := range writers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for i := w; i < n; i += writers {
				if err := s.SaveSnapshot(ctx, "s", snapshotAt(versions[i]+1, "r")); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var readers sync.WaitGroup
	for _, s := range []*postgres.Store{a, b} {
		readers.Go(func() {
			var last store.Version
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, ok, err := s.Snapshot(ctx, "s")
				switch {
				case err != nil:
					errs <- err
					return
				case !ok:
					continue
				case !sameSnapshot(got, snapshotAt(int(got.Version), "r")):
					errs <- fmt.Errorf("read %+v (state %s): its columns come from different saves", got, got.State)
					return
				case got.Version < last:
					errs <- fmt.Errorf("the snapshot went back from version %d to %d", last, got.Version)
					return
				}
				last = got.Version
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, ok, err := b.Snapshot(ctx, "s"); err != nil || !ok || !sameSnapshot(got, snapshotAt(n, "r")) {
		t.Errorf("after the race: %+v (state %s), %v, %v; want version %d", got, got.State, ok, err, n)
	}
}

// A snapshot's stream id, event id and revision are kept byte for byte, NUL included
// (which a text column refuses), as is its state; a stream id is refused with ErrInvalid
// over the limit Append has, and nothing is saved.
func TestStore_snapshotsKeepEveryByte(t *testing.T) {
	ctx := t.Context()
	s, _ := open(t)
	const stream = "nul\x00end"
	if _, err := s.Append(ctx, stream, store.NoStream, store.EventData{ID: "id\x00x", Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	snap := store.Snapshot{Version: 1, EventID: "id\x00x", Revision: "rev\x00 ü",
		State: json.RawMessage(" { \"s\" : \"\\u0000\\u00fc\" ,\"a\":1.0 } ")}
	if err := s.SaveSnapshot(ctx, stream, snap); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	if got, ok, err := s.Snapshot(ctx, stream); err != nil || !ok || !sameSnapshot(got, snap) {
		t.Errorf("Snapshot = %+v (state %q), %v, %v; want %+v (state %q)", got, got.State, ok, err, snap, snap.State)
	}
	for _, other := range []string{"nul", "nul\x00"} {
		if got, ok, err := s.Snapshot(ctx, other); err != nil || ok {
			t.Errorf("Snapshot(%q) = %+v, %v, %v; want none", other, got, ok, err)
		}
	}

	long := strings.Repeat("x", postgres.MaxStreamIDBytes)
	if err := s.SaveSnapshot(ctx, long, snapshotAt(1, "r")); err != nil {
		t.Errorf("SaveSnapshot of a stream id of %d bytes: %v", len(long), err)
	}
	if err := s.SaveSnapshot(ctx, long+"x", snapshotAt(1, "r")); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("SaveSnapshot of a stream id of %d bytes: err = %v, want ErrInvalid", len(long)+1, err)
	}
	if got, ok, err := s.Snapshot(ctx, long+"x"); err != nil || ok {
		t.Errorf("Snapshot of a stream id over the limit = %+v, %v, %v; want none", got, ok, err)
	}
}

// A row that no save would have written (its state is not JSON, its version below 1,
// edited by hand) is no snapshot: a reader trusts a snapshot's state to be JSON.
func TestStore_snapshotRowsThatAreNotSnapshots(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	s, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	q := pgx.Identifier{schema, "snapshots"}.Sanitize()
	for i, c := range []struct {
		name, set string
		arg       any
	}{
		{"a state cut short", `state = $1`, []byte(`{"v": 3,`)},
		{"a state of two values", `state = $1`, []byte(`{} {}`)},
		{"an empty state", `state = $1`, []byte(``)},
		{"a version below 1", `version = $1`, int64(0)},
		{"an empty event id", `event_id = $1`, []byte(``)},
	} {
		t.Run(c.name, func(t *testing.T) {
			stream := fmt.Sprint("s-", i)
			appendNamed(t, s, stream, 3)
			if err := s.SaveSnapshot(ctx, stream, snapshotAt(3, "r1")); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE `+q+` SET `+c.set+` WHERE stream = $2`, c.arg, []byte(stream)); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := s.Snapshot(ctx, stream); err != nil || ok {
				t.Errorf("Snapshot = %+v (state %q), %v, %v; want none", got, got.State, ok, err)
			}
			// A save further on replaces it.
			if _, err := s.Append(ctx, stream, 3, store.EventData{ID: "e4", Type: "T", Data: json.RawMessage(`{}`)}); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveSnapshot(ctx, stream, snapshotAt(4, "r1")); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := s.Snapshot(ctx, stream); err != nil || !ok || !sameSnapshot(got, snapshotAt(4, "r1")) {
				t.Errorf("after a save: Snapshot = %+v, %v, %v; want version 4", got, ok, err)
			}
		})
	}
}

// A schema made by the program before snapshots (migrations 0001-0003, with a log and a
// checkpoint in it) is migrated by Open: the snapshots table is added, and the log and the
// checkpoint are as they were.
func TestOpen_addsSnapshotsToAnOlderSchema(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}

	// The schema at version 3, made as migrate makes it: each migration in a transaction
	// with the schema as search_path, recorded in schema_migrations.
	q := pgx.Identifier{schema}.Sanitize()
	exec(`CREATE SCHEMA ` + q)
	exec(`CREATE TABLE ` + q + `.schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`)
	for i, name := range []string{"init", "append_function", "checkpoints"} {
		body, err := os.ReadFile(fmt.Sprintf("migrations/%04d_%s.sql", i+1, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL search_path TO `+q); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+q+`.schema_migrations (version, name) VALUES ($1, $2)`, i+1, name)
			return err
		}); err != nil {
			t.Fatalf("migration %d (%s): %v", i+1, name, err)
		}
	}
	exec(`SELECT * FROM `+q+`.append_events($1, -1, $2, $3, now(), $4, $5, 'eventgraph:test-upgrade')`,
		[]byte("a"), [][]byte{[]byte("e1"), []byte("e2")}, [][]byte{[]byte("T"), []byte("T")},
		[][]byte{[]byte(`1`), []byte(`2`)}, [][]byte{[]byte(`{}`), []byte(`{}`)})
	exec(`INSERT INTO ` + q + `.checkpoints (name, position, event_id, head, head_event_id) VALUES ('saga', 1, 'e1', 2, 'e2')`)

	s, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatalf("Open of a schema at version 3: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })

	var version int
	var name string
	if err := conn.QueryRow(ctx, `SELECT version, name FROM `+q+`.schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if version != postgres.SchemaVersion() || version < 4 {
		t.Errorf("after Open the schema is at version %d (%s), want %d and at least 4", version, name, postgres.SchemaVersion())
	}
	if err := conn.QueryRow(ctx, `SELECT name FROM `+q+`.schema_migrations WHERE version = 4`).Scan(&name); err != nil || name != "snapshots" {
		t.Errorf("migration 4 recorded as %q, %v; want snapshots", name, err)
	}
	if events := readAllEvents(t, s); len(events) != 2 || events[0].ID != "e1" || events[1].ID != "e2" || events[1].Version != 2 {
		t.Errorf("the log after the migration: %+v; want e1 and e2 of stream a", events)
	}
	want := store.Checkpoint{Position: 1, EventID: "e1", Head: 2, HeadEventID: "e2"}
	if c, err := s.Checkpoint(ctx, "saga"); err != nil || c != want {
		t.Errorf("the checkpoint after the migration: %+v, %v; want %+v", c, err, want)
	}
	snap := store.Snapshot{Version: 2, EventID: "e2", Revision: "r", State: json.RawMessage(`{"sum": 3}`)}
	if err := s.SaveSnapshot(ctx, "a", snap); err != nil {
		t.Fatalf("SaveSnapshot after the migration: %v", err)
	}
	if got, ok, err := s.Snapshot(ctx, "a"); err != nil || !ok || !sameSnapshot(got, snap) {
		t.Errorf("Snapshot after the migration = %+v, %v, %v; want %+v", got, ok, err, snap)
	}
	if _, err := s.Append(ctx, "a", 2, store.EventData{Type: "T", Data: []byte(`3`)}); err != nil {
		t.Errorf("Append after the migration: %v", err)
	}
}
