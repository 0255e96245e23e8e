package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
	"github.com/eventgraph/eventgraph/store/postgres/pgtest"
)

// openSame opens another Store on the schema of s, closed when the test ends.
func openSame(tb testing.TB, url string, s *postgres.Store, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	s2, err := postgres.Open(tb.Context(), url, append([]postgres.Option{postgres.WithSchema(s.Schema())}, opts...)...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s2.Close() })
	return s2
}

func withPoolSize(url string, n int) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%spool_max_conns=%d", url, sep, n)
}

// awaitSubscriber subscribes to s after the position and checks that every event comes in
// position order with no gap, until it has seen position until. It reports on errs.
func awaitSubscriber(ctx context.Context, s store.Store, name string, after, until store.Position, errs chan<- error) {
	next := after + 1
	for e, err := range s.Subscribe(ctx, after) {
		if err != nil {
			errs <- fmt.Errorf("%s: subscription ended at position %d: %w", name, next-1, err)
			return
		}
		if e.Position != next {
			errs <- fmt.Errorf("%s: got position %d, want %d", name, e.Position, next)
			return
		}
		if next == until {
			errs <- nil
			return
		}
		next++
	}
}

// TestStore_gapFreeUnderConcurrentTransactions races many writers, on many connections of
// two Stores (as two servers would), while subscribers on both Stores and polling readers
// check that every position arrives in order with no gap: the property a sequence-based
// store breaks when transactions commit out of order.
func TestStore_gapFreeUnderConcurrentTransactions(t *testing.T) {
	const (
		writers = 32
		appends = 40 // per writer
	)
	a, url := open(t)
	url = withPoolSize(url, 24)
	a2 := openSame(t, url, a)
	b := openSame(t, url, a)
	stores := []*postgres.Store{a2, b}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	// Every writer appends batches of 1-3 events; the total is known in advance.
	total := store.Position(0)
	for w := range writers {
		for i := range appends {
			total += store.Position(1 + (w+i)%3)
		}
	}

	errs := make(chan error, 8)
	var readers sync.WaitGroup
	for i, s := range stores {
		readers.Go(func() { awaitSubscriber(ctx, s, fmt.Sprint("subscriber on store ", i), 0, total, errs) })
	}
	// A reader that polls ReadAll from where it got to and checks it only ever sees a
	// contiguous prefix of the log.
	readers.Go(func() {
		var seen store.Position
		for seen < total {
			for e, err := range b.ReadAll(ctx, seen) {
				if err != nil {
					errs <- fmt.Errorf("polling reader: %w", err)
					return
				}
				if e.Position != seen+1 {
					errs <- fmt.Errorf("polling reader: after position %d read %d", seen, e.Position)
					return
				}
				seen = e.Position
			}
		}
		errs <- nil
	})

	var writersWG sync.WaitGroup
	acked := make(chan store.Appended, writers*appends)
	for w := range writers {
		writersWG.Go(func() {
			s := stores[w%2]
			for i := range appends {
				n := 1 + (w+i)%3
				events := make([]store.EventData, n)
				for j := range events {
					events[j] = store.EventData{Type: "T", Data: []byte(fmt.Sprintf(`{"w":%d,"i":%d,"j":%d}`, w, i, j))}
				}
				// Half the writers share streams, so conflicts and retries happen too.
				stream := fmt.Sprintf("s-%d", w%(writers/2))
				ap, err := s.Append(ctx, stream, store.Any, events...)
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
				acked <- ap
			}
		})
	}
	writersWG.Wait()
	close(acked)
	readers.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	positions := make(map[store.Position]bool)
	for ap := range acked {
		if positions[ap.Position] {
			t.Errorf("position %d acknowledged twice", ap.Position)
		}
		positions[ap.Position] = true
	}
	if head, err := a.Head(ctx); err != nil || head != total {
		t.Errorf("Head = %d, %v; want %d", head, err, total)
	}
}

// TestStore_subscribeAcrossStores: a subscriber of one Store receives an event appended
// through another Store on the same schema, woken by NOTIFY (its poll interval is far
// longer than the test's patience).
func TestStore_subscribeAcrossStores(t *testing.T) {
	a, url := open(t)
	b := openSame(t, url, a, postgres.WithPollInterval(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	live := make(chan store.Event)
	go func() {
		for e, err := range b.Subscribe(ctx, 0) {
			if err != nil {
				return
			}
			live <- e
		}
	}()
	for i := range 3 {
		ap, err := a.Append(ctx, "x", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-live:
			if e.Position != ap.Position {
				t.Fatalf("append %d: subscriber on B got position %d, want %d", i, e.Position, ap.Position)
			}
		case <-ctx.Done():
			t.Fatalf("append %d: subscriber on B did not get the event appended through A", i)
		}
	}
}

// TestStore_listenerReconnects: when the listener's connection is killed, the Store
// reconnects and its subscribers still receive events appended through another Store.
func TestStore_listenerReconnects(t *testing.T) {
	a, url := open(t)
	b := openSame(t, url, a, postgres.WithPollInterval(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	live := make(chan store.Event)
	go func() {
		for e, err := range b.Subscribe(ctx, 0) {
			if err != nil {
				return
			}
			live <- e
		}
	}()
	kill := func() int {
		var n int
		err := a.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE query = $1`, "LISTEN "+pgx.Identifier{"eventgraph:" + b.Schema()}.Sanitize()).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := kill(); n < 1 {
		t.Fatalf("found no listener connection to kill")
	}
	for i := range 3 {
		ap, err := a.Append(ctx, "x", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-live:
			if e.Position != ap.Position {
				t.Fatalf("append %d: got position %d, want %d", i, e.Position, ap.Position)
			}
		case <-ctx.Done():
			t.Fatalf("append %d: the subscriber did not get the event after its listener was killed", i)
		}
	}
}

// TestStore_Subscribe_survivesDroppedConnections: a subscriber reading history while every
// connection of its store's pool is killed (as in a database restart) still receives every
// event, in order, without an error.
func TestStore_Subscribe_survivesDroppedConnections(t *testing.T) {
	const events = 600
	a, url := open(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	victim := "eventgraph-victim-" + a.Schema()
	b := openSame(t, url+sep+"application_name="+victim, a, postgres.WithPageSize(10), postgres.WithTailSize(4))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	batch := make([]store.EventData, events)
	for i := range batch {
		batch[i] = store.EventData{Type: "T", Data: []byte(fmt.Sprint(i))}
	}
	if _, err := a.Append(ctx, "s", store.NoStream, batch...); err != nil {
		t.Fatal(err)
	}
	kill := func() {
		if _, err := a.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, victim); err != nil {
			t.Error(err)
		}
	}
	next := store.Position(1)
	for e, err := range b.Subscribe(ctx, 0) {
		if err != nil {
			t.Fatalf("subscription failed at position %d: %v", next, err)
		}
		if e.Position != next {
			t.Fatalf("got position %d, want %d", e.Position, next)
		}
		if next%150 == 0 {
			kill() // between pages: the next read meets a dead connection
		}
		if next == events {
			break
		}
		next++
	}
}

// TestStore_longSchemaName: a schema name too long to be part of a NOTIFY channel name
// still gets its notifications across Stores.
func TestStore_longSchemaName(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url) + "_" + strings.Repeat("x", 40) // 58 bytes; the channel would be 69
	pgtest.DropAtEnd(t, url, schema)
	a, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := openSame(t, url, a, postgres.WithPollInterval(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	head, err := b.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		for _, err := range b.Subscribe(ctx, head) {
			got <- err
			return
		}
	}()
	if _, err := a.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("subscriber on B: %v", err)
	}
}

// TestOpen_migrations: concurrent Opens of a new schema migrate it once; a schema migrated
// by a newer program is refused.
func TestOpen_migrations(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range cap(errs) {
		wg.Go(func() {
			s, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
			if err == nil {
				_, err = s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`1`)})
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, version int
	q := pgx.Identifier{schema, "schema_migrations"}.Sanitize()
	if err := conn.QueryRow(ctx, `SELECT count(*), max(version) FROM `+q).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if version != postgres.SchemaVersion() || rows != postgres.SchemaVersion() {
		t.Errorf("schema_migrations has %d rows up to version %d, want %d", rows, version, postgres.SchemaVersion())
	}

	t.Run("a newer schema is refused", func(t *testing.T) {
		if _, err := conn.Exec(ctx, `INSERT INTO `+q+` (version, name) VALUES (9999, 'future')`); err != nil {
			t.Fatal(err)
		}
		s, err := postgres.Open(ctx, url, postgres.WithSchema(schema))
		if err == nil {
			s.Close()
			t.Fatal("Open of a schema at version 9999 succeeded")
		}
		if !strings.Contains(err.Error(), "newer") {
			t.Errorf("error %q does not say the schema is newer", err)
		}
	})
}

func TestOpen_errors(t *testing.T) {
	url := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, url string
		opts      []postgres.Option
	}{
		{"malformed URL", "postgres://%zz", nil},
		{"nobody listening", "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", nil},
		{"empty schema", url, []postgres.Option{postgres.WithSchema("")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := postgres.Open(ctx, tc.url, tc.opts...)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}

func TestStore_Import(t *testing.T) {
	s, _ := open(t)
	ctx := t.Context()
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	ev := func(p store.Position, stream string, v store.Version) store.Event {
		return store.Event{ID: fmt.Sprint("id-", p), StreamID: stream, Version: v, Position: p, Type: "T",
			Time: at, Data: []byte(fmt.Sprintf(`{"p": %d}`, p)), Metadata: map[string]string{"k": "v"}}
	}
	if _, err := s.Import(ctx, []store.Event{ev(1, "a", 1), ev(2, "b", 1), ev(3, "a", 2)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		events []store.Event
		want   error
	}{
		{"a gap after the head", []store.Event{ev(5, "a", 3)}, postgres.ErrNotContinuous},
		{"a position already taken", []store.Event{ev(3, "a", 3)}, postgres.ErrNotContinuous},
		{"positions not consecutive", []store.Event{ev(4, "a", 3), ev(6, "a", 4)}, postgres.ErrNotContinuous},
		{"a stream version skipped", []store.Event{ev(4, "a", 4)}, postgres.ErrNotContinuous},
		{"a new stream not at version 1", []store.Event{ev(4, "c", 2)}, postgres.ErrNotContinuous},
		{"invalid data", []store.Event{{StreamID: "a", Version: 3, Position: 4, Type: "T", Data: []byte(`{`)}}, store.ErrInvalid},
		{"no events", nil, store.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Import(ctx, tc.events); !errors.Is(err, tc.want) {
				t.Errorf("Import: err = %v, want %v", err, tc.want)
			}
			if h, _ := s.Head(ctx); h != 3 {
				t.Errorf("head = %d after a failed import, want 3", h)
			}
		})
	}
	if _, err := s.Import(ctx, []store.Event{ev(4, "c", 1), ev(5, "a", 3)}); err != nil {
		t.Fatal(err)
	}
	got := readAllEvents(t, s)
	if len(got) != 5 {
		t.Fatalf("read %d events, want 5", len(got))
	}
	e := got[4]
	if e.ID != "id-5" || e.StreamID != "a" || e.Version != 3 || string(e.Data) != `{"p":5}` || !e.Time.Equal(at.Truncate(time.Microsecond)) || e.Metadata["k"] != "v" {
		t.Errorf("imported event read back as %+v", e)
	}
	// Appends continue from the imported versions and positions.
	ap, err := s.Append(ctx, "a", 3, store.EventData{Type: "T", Data: []byte(`{}`)})
	if err != nil || ap.Position != 6 || ap.Version != 4 {
		t.Errorf("Append after Import = %+v, %v; want version 4 at position 6", ap, err)
	}
}

// TestStore_Append_streamIDLimit: a stream id the index cannot hold is refused with
// ErrInvalid, and nothing is written.
func TestStore_Append_streamIDLimit(t *testing.T) {
	s, _ := open(t)
	ctx := t.Context()
	ok := strings.Repeat("x", postgres.MaxStreamIDBytes)
	if _, err := s.Append(ctx, ok, store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatalf("Append to a stream id of %d bytes: %v", len(ok), err)
	}
	if _, err := s.Append(ctx, ok+"x", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Append to a stream id of %d bytes: err = %v, want ErrInvalid", len(ok)+1, err)
	}
	if h, _ := s.Head(ctx); h != 1 {
		t.Errorf("head = %d, want 1", h)
	}
}

func readAllEvents(tb testing.TB, s store.Store) []store.Event {
	tb.Helper()
	var out []store.Event
	for e, err := range s.ReadAll(tb.Context(), 0) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// A URL without connect_timeout gets DefaultConnectTimeout: without one, a connection to a
// server that stopped answering waited for the kernel to give up, and Close with it. A URL
// that sets one keeps it.
func TestOpen_connectTimeout(t *testing.T) {
	s, url := open(t)
	if got := s.Pool().Config().ConnConfig.ConnectTimeout; got != postgres.DefaultConnectTimeout {
		t.Errorf("connect timeout %v, want %v", got, postgres.DefaultConnectTimeout)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	s2 := openSame(t, url+sep+"connect_timeout=3", s)
	if got := s2.Pool().Config().ConnConfig.ConnectTimeout; got != 3*time.Second {
		t.Errorf("connect timeout %v with connect_timeout=3, want 3s", got)
	}
}

// An event type longer than a B-tree entry may be (about 2.7 kB, the limit of the index
// ReadAllTypes reads by) is appended and read by type all the same: the index holds the
// type's hash.
func TestStore_longEventTypes(t *testing.T) {
	ctx := t.Context()
	s, _ := open(t)
	rng := rand.New(rand.NewPCG(7, 8))
	long := make([]byte, 3000) // letters that do not compress
	for i := range long {
		long[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng.IntN(62)]
	}
	typ := string(long)
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}, store.EventData{Type: typ, Data: []byte(`2`)}); err != nil {
		t.Fatalf("Append of a type of %d bytes: %v", len(typ), err)
	}
	var got []store.Event
	for e, err := range s.ReadAllTypes(ctx, 0, []string{typ}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 1 || got[0].Type != typ || got[0].Position != 2 {
		t.Errorf("ReadAllTypes of the long type: %d events (%+v), want the one at position 2", len(got), got)
	}
}
