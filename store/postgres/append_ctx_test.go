package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// TestStore_Append_canceledContextWritesNothing: an Append whose context has already ended
// writes nothing, however often it is tried. Were it handed to an idle committer anyway (a
// select between the committer and the ended context picks either), it would be
// committed, though Append says it failed. The append after them commits after any of
// theirs that were handed over (the committer commits in order), so the log shows them.
func TestStore_Append_canceledContextWritesNothing(t *testing.T) {
	s, _ := open(t)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	for i := range 64 {
		if _, err := s.Append(canceled, "s", store.Any, store.EventData{Type: "Canceled", Data: fmt.Append(nil, i)}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Append %d with a canceled context: %v, want context.Canceled", i, err)
		}
	}
	if _, err := s.Append(t.Context(), "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if all := readAllEvents(t, s); len(all) != 1 || all[0].Type != "T" {
		t.Fatalf("the log holds %d events, want only the append with a live context", len(all))
	}
}

// TestStore_Append_limitIsInclusive: an append of exactly MaxAppendBytes (as appendSize
// counts it: a length for each of an event's four columns too) commits; one byte more is
// refused with ErrInvalid.
func TestStore_Append_limitIsInclusive(t *testing.T) {
	events := []store.EventData{
		{ID: "e1", Type: "T", Data: []byte(`"abc"`)},
		{ID: "e2", Type: "T", Data: []byte(`{"n":1}`), Metadata: map[string]string{"k": "v"}},
	}
	size := appendSize("s", events)
	for _, tc := range []struct {
		limit int
		ok    bool
	}{{size, true}, {size - 1, false}} {
		s, _ := open(t, postgres.WithMaxAppendBytes(tc.limit))
		_, err := s.Append(t.Context(), "s", store.NoStream, events...)
		switch {
		case tc.ok && err != nil:
			t.Errorf("an append of %d bytes with a limit of %d: %v", size, tc.limit, err)
		case !tc.ok && !errors.Is(err, store.ErrInvalid):
			t.Errorf("an append of %d bytes with a limit of %d: %v, want ErrInvalid", size, tc.limit, err)
		}
	}
}

// TestStore_Append_returnsWhenItsContextEndsDuringTheCommit: an Append whose context ends
// while its group waits for the log's append lock (held here by another transaction)
// returns the context's error then, saying that the append may still commit; it does not
// wait for the commit.
func TestStore_Append_returnsWhenItsContextEndsDuringTheCommit(t *testing.T) {
	s, _ := open(t)
	bound, stop := context.WithTimeout(t.Context(), 30*time.Second)
	defer stop()
	tx, err := s.Pool().Begin(bound)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.WithoutCancel(bound))
	// The lock append_events and Import take (see TestStore_Import_takesTheAppendLock).
	if _, err := tx.Exec(bound, `SELECT pg_advisory_xact_lock(hashtextextended('eventgraph.append:' || $1::text, 0))`, s.Schema()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bound)
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		done <- err
	}()
	// Wait until the group is in the database, waiting for the lock.
	for waiting := false; !waiting; {
		if err := s.Pool().QueryRow(bound, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "may still commit") {
			t.Errorf("Append whose context ended during its commit: %v, want context.Canceled, saying that it may still commit", err)
		}
	case <-bound.Done():
		t.Fatal("Append whose context ended waited for its commit")
	}
	if err := tx.Rollback(bound); err != nil {
		t.Fatal(err)
	}
	// Its append goes on and commits once the lock is free.
	for e, err := range s.Subscribe(bound, 0) {
		if err != nil || e.Position != 1 {
			t.Fatalf("after the lock was freed: %+v, %v; want the append at position 1", e, err)
		}
		break
	}
}

// TestStore_ReadAllTypes_handsOutNothingAfterClose: a ReadAllTypes running when Close returns
// hands out no further event, though its page holds more, and yields ErrClosed, as the
// other iterators do (store.ErrClosed; storetest checks ReadStream, ReadAll and Subscribe).
func TestStore_ReadAllTypes_handsOutNothingAfterClose(t *testing.T) {
	s, _ := open(t)
	ctx := t.Context()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "A", Data: []byte(`1`)},
		store.EventData{Type: "A", Data: []byte(`2`)}, store.EventData{Type: "A", Data: []byte(`3`)}); err != nil {
		t.Fatal(err)
	}
	var got []store.Position
	var last error
	for e, err := range s.ReadAllTypes(ctx, 0, []string{"A"}) {
		if err != nil {
			last = err
			break
		}
		got = append(got, e.Position)
		if len(got) == 1 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != 1 || !errors.Is(last, store.ErrClosed) {
		t.Errorf("ReadAllTypes closed after its first event yielded positions %v, then %v; want only position 1, then ErrClosed", got, last)
	}
}

// TestStore_Import_waitsForAppendsInFlight: an Import while an append's transaction holds
// the log's append lock waits for it, then finds that the log no longer ends where its
// events start (ErrNotContinuous). Without the lock it read the head before that append
// committed, wrote at the positions the append took, and failed on the duplicate key: a
// raw database error that says nothing of why.
func TestStore_Import_waitsForAppendsInFlight(t *testing.T) {
	s, _ := open(t)
	ctx, stop := context.WithTimeout(t.Context(), 30*time.Second)
	defer stop()
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	fn := pgx.Identifier{s.Schema(), "append_events"}.Sanitize()
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT ok FROM `+fn+`($1, -1, $2, $3, now(), $4, $5, 'nowhere')`,
		[]byte("a"), [][]byte{[]byte("appended")}, [][]byte{[]byte("T")}, [][]byte{[]byte(`1`)}, [][]byte{[]byte(`{}`)}).Scan(&ok); err != nil || !ok {
		t.Fatalf("append_events: %v, %v", ok, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Import(ctx, []store.Event{{ID: "imported", StreamID: "b", Version: 1, Position: 1, Type: "T", Time: time.Now(), Data: []byte(`2`)}})
		done <- err
	}()
	// Wait until the import waits for the append's transaction.
	for waiting := false; !waiting; {
		if err := s.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, postgres.ErrNotContinuous) {
		t.Errorf("Import of position 1 while an append of position 1 committed: %v, want ErrNotContinuous", err)
	}
	if all := readAllEvents(t, s); len(all) != 1 || all[0].ID != "appended" {
		t.Errorf("the log holds %d events, want only the append", len(all))
	}
}
