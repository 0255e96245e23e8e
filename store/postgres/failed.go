package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/eventgraph/eventgraph/store"
)

// ErrFailed means the log lost events under the store: it no longer holds an event the
// store had seen committed (its head went back below a position the store had handed out,
// or another event now stands at that position). An asynchronous failover that lost the
// primary's last commits, or a backup restored while the store ran, does this, and new
// appends then take those positions again. What the store handed out (to read models, to
// sagas, to clients as positions) is no longer the log, and a subscriber that had caught up
// would skip the new events at the reused positions. So the store fails instead: every
// later append fails, and every subscription ends, with an error wrapping ErrFailed; reads
// of the table keep working; only closing the store and opening it again (a restart, which
// rebuilds the read models from the log) recovers. A server reports it in its health
// checks, so that it is restarted.
var ErrFailed = errors.New("postgres: store failed")

// failure is why the store failed (see ErrFailed), set once.
type failure struct {
	err  atomic.Pointer[error]
	done chan struct{} // closed when err is set
}

func newFailure() *failure { return &failure{done: make(chan struct{})} }

// set records why the store failed, unless it already failed, and wakes the subscribers.
func (f *failure) set(err error) {
	if f.err.CompareAndSwap(nil, &err) {
		close(f.done)
	}
}

// get returns nil while the store has not failed, else an error wrapping ErrFailed.
func (f *failure) get() error {
	if p := f.err.Load(); p != nil {
		return fmt.Errorf("%w: %w", ErrFailed, *p)
	}
	return nil
}

// Failed returns nil while the store has not failed, and an error wrapping ErrFailed once
// it has (see ErrFailed).
func (s *Store) Failed() error { return s.failure.get() }

// saw notes that the log holds an event at position p, committed: the store's own append
// or one the tailer read. The log's head never goes below it while nothing is lost.
func (s *Store) saw(p store.Position) {
	for {
		cur := s.seen.Load()
		if int64(p) <= cur || s.seen.CompareAndSwap(cur, int64(p)) {
			return
		}
	}
}

// checkHead fails the store when head, the log's head as an append or the tailer just read
// it, is below seen, a position the store had seen committed before that read.
func (s *Store) checkHead(head, seen int64) {
	if head < seen {
		s.failure.set(fmt.Errorf("the log's head is %d, below position %d, which this store had seen committed: "+
			"the log lost events (an asynchronous failover lost the primary's last commits, or a backup was restored) "+
			"and new events take their positions again; restart every server on this log, so that it reads the log as it is now", head, seen))
	}
}

// checkLast fails the store when the event the tailer read last, at position p with id id,
// is no longer in the log as it was: the log lost events (see checkHead). A failed look-up
// (the database is down) tells nothing, and is returned; otherwise it returns nil.
func (s *Store) checkLast(ctx context.Context, p store.Position, id string) error {
	if p <= 0 || id == "" {
		return nil
	}
	var now []byte
	err := s.onLiveConnection(ctx, func() error { return s.pool.QueryRow(ctx, s.sql.eventID, int64(p)).Scan(&now) })
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		s.failure.set(fmt.Errorf("the event at position %d, which this store had seen committed, is no longer in the log: "+
			"the log lost events (an asynchronous failover lost the primary's last commits, or a backup was restored); "+
			"restart every server on this log, so that it reads the log as it is now", p))
	case err == nil && string(now) != id:
		s.failure.set(fmt.Errorf("another event (id %q) now stands at position %d, where this store had seen event %q committed: "+
			"the log lost events and new ones took their positions (an asynchronous failover lost the primary's last commits, or a backup was restored); "+
			"restart every server on this log, so that it reads the log as it is now", now, p, id))
	case err != nil:
		return err
	}
	return nil
}
