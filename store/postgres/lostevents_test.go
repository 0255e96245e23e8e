package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// loseEvents deletes the events after position keep, as an asynchronous failover that lost
// the primary's last commits, or a restore of an older backup, leaves the log.
func loseEvents(t *testing.T, url string, s *postgres.Store, keep store.Position) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(t.Context()))
	table := pgx.Identifier{s.Schema(), "events"}.Sanitize()
	if _, err := conn.Exec(t.Context(), "DELETE FROM "+table+" WHERE position > $1", int64(keep)); err != nil {
		t.Fatal(err)
	}
}

func appendN(t *testing.T, s store.Store, n int) store.Position {
	t.Helper()
	var last store.Position
	for range n {
		ap, err := s.Append(t.Context(), "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		last = ap.Position
	}
	return last
}

// TestStore_failsWhenTheLogLosesEvents: a log that lost events under a running store (an
// asynchronous failover that lost commits, a backup restored) gives their positions to new
// events; the store had handed the lost ones out, and its caught-up subscribers would skip
// the new ones. It fails instead (ErrFailed): later appends fail, subscriptions end, reads
// keep working.
func TestStore_failsWhenTheLogLosesEvents(t *testing.T) {
	t.Run("its own append reads a head below what it saw", func(t *testing.T) {
		s, url := open(t)
		appendN(t, s, 5)
		loseEvents(t, url, s, 2)
		// The append that finds the loss committed: it is acknowledged, at position 3.
		if got := appendN(t, s, 1); got != 3 {
			t.Fatalf("the append after the loss took position %d, want 3", got)
		}
		if err := s.Failed(); !errors.Is(err, postgres.ErrFailed) {
			t.Fatalf("Failed() = %v after the log lost events, want ErrFailed", err)
		}
		_, err := s.Append(t.Context(), "s", store.Any, store.EventData{Type: "T", Data: []byte(`{}`)})
		if !errors.Is(err, postgres.ErrFailed) {
			t.Errorf("a later Append: %v, want ErrFailed", err)
		}
		if n := len(readAllEvents(t, s)); n != 3 {
			t.Errorf("ReadAll after the failure read %d events, want the log's 3", n)
		}
	})

	for _, tt := range []struct {
		name  string
		after int // events another store appends after the loss
	}{
		{"the head stays below the last event a subscriber saw", 1},
		{"the log grows past the last event a subscriber saw again", 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, url := open(t, postgres.WithPollInterval(10*time.Millisecond))
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			appendN(t, s, 5)
			ended := make(chan error, 1)
			got := make(chan store.Position, 16)
			go func() {
				for e, err := range s.Subscribe(ctx, 0) {
					if err != nil {
						ended <- err
						return
					}
					got <- e.Position
				}
			}()
			for want := store.Position(1); want <= 5; want++ {
				if p := <-got; p != want {
					t.Fatalf("subscriber got position %d, want %d", p, want)
				}
			}
			loseEvents(t, url, s, 2)
			other := openSame(t, url, s) // opened after the loss: it sees nothing wrong
			appendN(t, other, tt.after)

			select {
			case err := <-ended:
				if !errors.Is(err, postgres.ErrFailed) {
					t.Fatalf("the subscription ended with %v, want ErrFailed", err)
				}
			case <-ctx.Done():
				t.Fatal("the subscription went on after the log lost events it had handed out")
			}
			if err := s.Failed(); !errors.Is(err, postgres.ErrFailed) {
				t.Errorf("Failed() = %v, want ErrFailed", err)
			}
			if err := other.Failed(); err != nil {
				t.Errorf("the store opened after the loss failed: %v", err)
			}
		})
	}

	t.Run("the log grows past the last event a subscriber saw between two checks", func(t *testing.T) {
		// The poll interval is long, so the tailer's periodic look at the last event it read
		// runs once, as the subscription starts: a later read of the new events at reused
		// positions must not pass unchecked, or the cache moves on to the new log and no
		// check afterwards can tell that anything was lost.
		s, url := open(t, postgres.WithPollInterval(time.Hour))
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		appendN(t, s, 5)
		type item struct {
			p   store.Position
			err error
		}
		got := make(chan item, 16)
		go func() {
			for e, err := range s.Subscribe(ctx, 0) {
				got <- item{e.Position, err}
				if err != nil {
					return
				}
			}
		}()
		for want := store.Position(1); want <= 5; want++ {
			if it := <-got; it.err != nil || it.p != want {
				t.Fatalf("subscriber got position %d (%v), want %d", it.p, it.err, want)
			}
		}
		loseEvents(t, url, s, 2)
		other := openSame(t, url, s)
		appendN(t, other, 4) // positions 3 to 6: the log is past 5 again

		select {
		case it := <-got:
			if !errors.Is(it.err, postgres.ErrFailed) {
				t.Fatalf("after the loss the subscriber got position %d (%v), want an error wrapping ErrFailed", it.p, it.err)
			}
		case <-ctx.Done():
			t.Fatal("the subscription went on after the log lost events it had handed out")
		}
		if err := s.Failed(); !errors.Is(err, postgres.ErrFailed) {
			t.Errorf("Failed() = %v, want ErrFailed", err)
		}
	})

	t.Run("a store that subscribes once the head went back", func(t *testing.T) {
		s, url := open(t)
		appendN(t, s, 5)
		loseEvents(t, url, s, 2)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var err error
		for _, err = range s.Subscribe(ctx, 5) {
			break
		}
		if !errors.Is(err, postgres.ErrFailed) {
			t.Fatalf("Subscribe after the loss yielded %v, want ErrFailed", err)
		}
	})
}

// TestOpen_refusesAnEventsTableWithoutItsIndexes: a restore that failed midway (pg_restore
// builds the indexes last, and servers still writing had added events at positions the copy
// took again) leaves the events table without its primary key, perhaps with two events at a
// position; Open refuses it, saying so, rather than read it without a word. So it does
// without the unique (stream_id, version).
func TestOpen_refusesAnEventsTableWithoutItsIndexes(t *testing.T) {
	for _, tt := range []struct{ constraint, want string }{
		{"events_pkey", "primary key"},
		{"events_stream_id_version_key", "(stream_id, version)"},
	} {
		t.Run(tt.constraint, func(t *testing.T) {
			s, url := open(t)
			appendN(t, s, 2)
			schema := s.Schema()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			conn, err := pgx.Connect(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.WithoutCancel(t.Context()))
			table := pgx.Identifier{schema, "events"}.Sanitize()
			if _, err := conn.Exec(t.Context(), "ALTER TABLE "+table+" DROP CONSTRAINT "+tt.constraint); err != nil {
				t.Fatal(err)
			}
			s2, err := postgres.Open(t.Context(), url, postgres.WithSchema(schema))
			if err == nil {
				s2.Close()
				t.Fatal("Open took an events table without its " + tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "restore") {
				t.Errorf("Open: %v; want it to name the %s and a failed restore", err, tt.want)
			}
		})
	}
}
