package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// finalSaveTimeout bounds the checkpoint save when Run ends.
const finalSaveTimeout = 5 * time.Second

// checkpointPrefix starts the name of every saga's checkpoint, followed by the saga's name.
const checkpointPrefix = "saga:"

// checkpointName is the name a saga's checkpoint is saved under.
func checkpointName(q *processor) string { return checkpointPrefix + q.name }

// resume starts saga q after its checkpoint, when it has one that belongs to this log (see
// Runner). head is the log's head when Run started.
func (r *Runner) resume(ctx context.Context, cp store.Checkpointer, q *processor, head store.Position) {
	c, err := cp.Checkpoint(ctx, checkpointName(q))
	if err == nil && c.Head > head {
		// Another server sharing the checkpoints (PostgreSQL) may have saved it after head
		// was read: it is beyond the log's head only if it is beyond it now.
		if h, herr := store.Head(ctx, r.store); herr == nil {
			head = h
		}
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return // Run is ending: the saga handles nothing more, and saves no checkpoint
	case err != nil:
		r.logger.Warn("eventsourcing: saga checkpoint unreadable; reading the log from the start", "saga", q.name, "err", err)
		return
	case c == (store.Checkpoint{}):
		r.logger.Info("eventsourcing: saga has no checkpoint; reading the log from the start", "saga", q.name)
		return
	case c.Position <= 0:
		r.logger.Warn("eventsourcing: saga checkpoint invalid; reading the log from the start", "saga", q.name, "checkpoint", c.Position)
		return
	case c.Head > head || c.Position > c.Head:
		r.logger.Warn("eventsourcing: saga checkpoint beyond the log's head; reading the log from the start",
			"saga", q.name, "checkpoint", c.Position, "checkpointHead", c.Head, "head", head)
		return
	}
	// The event at the checkpoint, and the one that was the head when it was saved (after
	// which the saga had written nothing for the events it handled), must be this log's.
	switch other, err := otherEvent(ctx, r.store, c.Position, c.EventID, c.Head, c.HeadEventID); {
	case err != nil && ctx.Err() != nil:
		return // Run is ending: the saga handles nothing more, and saves no checkpoint
	case err != nil:
		r.logger.Warn("eventsourcing: saga checkpoint not checked; reading the log from the start", "saga", q.name, "checkpoint", c.Position, "err", err)
		return
	case other.at != 0:
		r.logger.Warn("eventsourcing: saga checkpoint of another log; reading the log from the start",
			"saga", q.name, "position", other.at, "checkpointEventId", other.want, "eventId", other.held)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	q.pos, q.posID, q.saved = c.Position, c.EventID, c.Position
	// What the saga wrote for the events it skips is not known, only that it is in the log:
	// a WaitFor meanwhile waits for the whole log as it was at the start.
	q.recordLocked(1, span{last: head})
	r.notifyLocked() // a WaitFor already waiting may be satisfied now
	r.logger.Info("eventsourcing: saga resumes after its checkpoint", "saga", q.name, "position", c.Position)
}

// eventMismatch is where the log holds another event than a checkpoint or a set of states
// names: at position at it holds held ("" for none), not want. The zero value: no mismatch.
type eventMismatch struct {
	at         store.Position
	held, want string
}

// otherEvent checks that s holds the events a checkpoint or a set of states names at its
// position (pos, posID) and at the head it was saved with (head, headID), and returns the
// first that it does not hold.
func otherEvent(ctx context.Context, s store.Store, pos store.Position, posID string, head store.Position, headID string) (eventMismatch, error) {
	for _, want := range [2]struct {
		p  store.Position
		id string
	}{{pos, posID}, {head, headID}} {
		id, err := eventIDAt(ctx, s, want.p)
		if err != nil {
			return eventMismatch{}, fmt.Errorf("position %d: %w", want.p, err)
		}
		if id != want.id {
			return eventMismatch{at: want.p, held: id, want: want.id}, nil
		}
	}
	return eventMismatch{}, nil
}

// eventIDAt returns the id of the event at position p, "" when the log holds none there:
// for the price of that one event where the store tells it (store.EventIDReader).
func eventIDAt(ctx context.Context, s store.Store, p store.Position) (string, error) {
	if r, ok := s.(store.EventIDReader); ok {
		id, _, err := r.EventIDAt(ctx, p)
		return id, err
	}
	for e, err := range s.ReadAll(ctx, p-1) {
		if err != nil {
			return "", err
		}
		if e.Position != p {
			break
		}
		return e.ID, nil
	}
	return "", nil
}

// keepCheckpoints saves the sagas' checkpoints every r.checkpoints until ctx ends.
func (r *Runner) keepCheckpoints(ctx context.Context, cp store.Checkpointer, sagas []*processor) {
	t := time.NewTicker(r.checkpoints)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.saveCheckpoints(ctx, cp, sagas, false)
		}
	}
}

// saveCheckpoints saves the checkpoint of every saga that advanced since its last one;
// final is set for Run's save on its way out.
func (r *Runner) saveCheckpoints(ctx context.Context, cp store.Checkpointer, sagas []*processor, final bool) {
	type pending struct {
		q *processor
		c store.Checkpoint
	}
	var todo []pending
	r.mu.Lock()
	for _, q := range sagas {
		if q.pos > q.saved && q.posID != "" && !q.held {
			todo = append(todo, pending{q, store.Checkpoint{Position: q.pos, EventID: q.posID}})
		}
	}
	r.mu.Unlock()
	if len(todo) == 0 {
		return
	}
	// Read after the positions: the head covers what the sagas wrote for the events up to them.
	head, err := store.Head(ctx, r.store)
	var headID string
	if err == nil {
		headID, err = eventIDAt(ctx, r.store, head)
	}
	for _, t := range todo {
		if err == nil {
			t.c.Head, t.c.HeadEventID = head, headID
			err = cp.SaveCheckpoint(ctx, checkpointName(t.q), t.c)
		}
		if err != nil {
			level, msg := slog.LevelWarn, "eventsourcing: saga checkpoint not saved"
			switch {
			case final && errors.Is(err, store.ErrClosed):
				// The store was closed while Run was on its way out: the caller's order of
				// shutdown, which a program that lives less than the interval repeats at
				// every exit, its sagas never saving a checkpoint.
				msg = "eventsourcing: saga checkpoint not saved: the store was closed before Run returned; the next Run handles again every event after the saga's last checkpoint (close the store only once Run has returned)"
			case final:
				// Said even when the saves were failing before (the store down at shutdown):
				// it is the last word on where the next Run starts.
				msg = "eventsourcing: saga checkpoint not saved as Run returned; the next Run handles again every event after the saga's last checkpoint"
			case errors.Is(err, store.ErrClosed) || ctx.Err() != nil:
				level = slog.LevelDebug // shutting down: Run saves once more on its way out
			case r.saveFailing:
				level = slog.LevelDebug // said once, not every interval
			}
			r.saveFailing = true
			r.logger.Log(ctx, level, msg, "saga", t.q.name, "position", t.c.Position, "err", err)
			return
		}
		if r.saveFailing {
			r.saveFailing = false
			r.logger.Info("eventsourcing: saga checkpoint saved again", "saga", t.q.name, "position", t.c.Position)
		}
		r.mu.Lock()
		t.q.saved = max(t.q.saved, t.c.Position)
		r.mu.Unlock()
	}
}
