package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
	"github.com/eventgraph/eventgraph/store/postgres"
)

// subscribe runs a subscription of s from after in the background and hands out what it
// yields; it ends with ctx.
func subscribe(ctx context.Context, s store.Store, after store.Position) <-chan store.Event {
	out := make(chan store.Event)
	go func() {
		defer close(out)
		for e, err := range s.Subscribe(ctx, after) {
			if err != nil {
				return
			}
			select {
			case out <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// next waits for the subscription's next event, which must be at position want.
func next(tb testing.TB, ctx context.Context, events <-chan store.Event, want store.Position, what string) {
	tb.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			tb.Fatalf("%s: the subscription ended before position %d", what, want)
		}
		if e.Position != want {
			tb.Fatalf("%s: got position %d, want %d", what, e.Position, want)
		}
	case <-ctx.Done():
		tb.Fatalf("%s: the subscriber did not get position %d", what, want)
	}
}

// TestStore_Subscribe_pollsForLostNotifications: an append whose notification never came
// (here one made by a program of its own, that notifies another channel) still reaches a
// caught-up subscriber, by the poll interval's re-read of the log. Nothing else would wake
// it: no commit of its own Store, no notification.
func TestStore_Subscribe_pollsForLostNotifications(t *testing.T) {
	s, _ := open(t, postgres.WithPollInterval(20*time.Millisecond))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	events := subscribe(ctx, s, 0)
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	next(t, ctx, events, 1, "an append of the store")
	fn := pgx.Identifier{s.Schema(), "append_events"}.Sanitize()
	for i := range 3 {
		var ok bool
		if err := s.Pool().QueryRow(ctx, `SELECT ok FROM `+fn+`($1, -1, $2, $3, now(), $4, $5, 'nowhere')`,
			[]byte("s"), [][]byte{fmt.Appendf(nil, "lost-%d", i)}, [][]byte{[]byte("T")}, [][]byte{[]byte(`2`)}, [][]byte{[]byte(`{}`)}).Scan(&ok); err != nil || !ok {
			t.Fatalf("append_events: %v, %v", ok, err)
		}
		next(t, ctx, events, store.Position(i+2), "an append whose notification was lost")
	}
}

// TestStore_Import_notifiesOtherStores: events imported through one Store reach a caught-up
// subscriber of another Store on the schema, woken by the import's notification (its poll
// interval is longer than the test).
func TestStore_Import_notifiesOtherStores(t *testing.T) {
	a, url := open(t)
	b := openSame(t, url, a, postgres.WithPollInterval(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	events := subscribe(ctx, b, 0)
	if _, err := a.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`0`)}); err != nil {
		t.Fatal(err)
	}
	next(t, ctx, events, 1, "an append through A")
	for p := store.Position(2); p <= 4; p++ {
		ev := store.Event{ID: fmt.Sprint("imported-", p), StreamID: "imported", Version: store.Version(p - 1), Position: p,
			Type: "T", Time: time.Now(), Data: []byte(`{}`)}
		if _, err := a.Import(ctx, []store.Event{ev}); err != nil {
			t.Fatal(err)
		}
		next(t, ctx, events, p, "an import through A")
	}
}

// TestStore_Subscribe_failsAfterTheRetryWindow: a subscriber reading the table while the
// database is gone retries for the retry window (WithRetryWindow), then yields the
// database's error; it does not retry until its context ends.
func TestStore_Subscribe_failsAfterTheRetryWindow(t *testing.T) {
	s, proxy := openViaProxy(t, nil, postgres.WithRetryWindow(200*time.Millisecond), postgres.WithPageSize(2), postgres.WithTailSize(2))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	batch := make([]store.EventData, 10)
	for i := range batch {
		batch[i] = store.EventData{Type: "T", Data: fmt.Append(nil, i)}
	}
	if _, err := s.Append(ctx, "s", store.NoStream, batch...); err != nil {
		t.Fatal(err)
	}
	var got store.Position
	var err error
	for e, serr := range s.Subscribe(ctx, 0) {
		if serr != nil {
			err = serr
			break
		}
		got = e.Position
		if got == 1 {
			// Read from the table, past the cache (which starts at the head): the
			// subscriber's next page is read from the table too, once the database is gone.
			proxy.stop()
			s.Pool().Reset()
		}
	}
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		t.Fatalf("after position %d: the subscription retried until its context ended (%v), not for its retry window", got, err)
	case err == nil:
		t.Fatalf("the subscription ended after position %d without an error", got)
	case got != 2:
		t.Errorf("the subscription failed after position %d, want 2 (the page in hand): %v", got, err)
	}
}
