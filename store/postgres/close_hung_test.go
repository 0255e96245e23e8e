package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// TestStore_Close_endsReadsOfAHungDatabase: Close ends a read that waits on a database that
// stopped answering, with ErrClosed, and returns. Before, Close waited for that read's
// connection, and the read for its context, which a subscription's, say, does not end: both
// hung for as long as the database did not answer. (It takes about 15 s: see below.)
func TestStore_Close_endsReadsOfAHungDatabase(t *testing.T) {
	s, proxy := openViaProxy(t, nil)
	ctx := t.Context()
	if _, err := s.Append(ctx, "s", store.NoStream, store.EventData{Type: "T", Data: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	proxy.freeze()

	ended := make(chan error, 1)
	go func() {
		// With nobody subscribed, the store's own reader is idle: this read is the one
		// the database holds. A subscription behind the head reads the same way.
		for _, err := range s.ReadAll(ctx, 0) {
			if err != nil {
				ended <- err
				return
			}
		}
		ended <- errors.New("the read ended without an error")
	}()
	<-proxy.held // a read (or the ping before it) has gone to the database
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()

	// pgx gives up on a cancelled query after 1 s; the pool then waits up to 15 s for the
	// connection to close, which a database that does not answer makes it wait in full.
	reading := time.NewTimer(10 * time.Second)
	defer reading.Stop()
	select {
	case err := <-ended:
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("the read ended with %v, want ErrClosed", err)
		}
	case <-reading.C:
		t.Fatal("the read has not ended 10 s after Close")
	}
	awaitClosed(t, closed, 30*time.Second, "after it was called")
}
