package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// Backoff of a processor resubscribing after its subscription failed.
const (
	resubscribeMin = 10 * time.Millisecond
	resubscribeMax = 2 * time.Second
)

// runProcessor feeds a group of processors from one subscription (one saga, or every
// projection) until ctx ends or every one of them has stopped. A failed subscription is
// recorded against each processor of the group still running and retried after a backoff
// from the lowest position among them, unless the store is closed, which stops them all. The
// backoff doubles with each failure in a row, and starts again once a subscription moved
// the group on.
func (r *Runner) runProcessor(ctx context.Context, group []*processor) {
	delay := resubscribeMin
	for {
		r.mu.Lock()
		live := make([]*processor, 0, len(group))
		var after store.Position
		for _, q := range group {
			if q.stopped {
				continue
			}
			if len(live) == 0 || q.pos < after {
				after = q.pos
			}
			live = append(live, q)
		}
		r.mu.Unlock()
		if len(live) == 0 {
			return
		}
		err := r.consume(ctx, live, after)
		if ctx.Err() != nil || err == nil {
			return // ctx ended, or the processors stopped
		}
		// A store closed, or failed for good (it says so through a Failed method, as the
		// JSONL and PostgreSQL stores do), fails every later subscription too: the
		// processors stop, rather than resubscribe and log the same failure every
		// resubscribeMax until the process is restarted.
		closed := errors.Is(err, store.ErrClosed) || failedForGood(r.store)
		r.mu.Lock()
		progressed := true // the group's lowest position moved past after
		for _, q := range live {
			if q.stopped {
				continue
			}
			progressed = progressed && q.pos > after
			r.logger.Error("eventsourcing: subscription failed", "kind", q.kind, "name", q.name, "position", q.pos, "err", err)
			q.failures++
			q.lastErr = err.Error()
			q.stopped = closed
		}
		r.notifyLocked()
		r.mu.Unlock()
		if progressed {
			// A subscription that delivered before it failed starts the backoff again: a
			// few failures early in a process's life made every later one wait 2 s, the
			// read models and the saga standing still meanwhile.
			delay = resubscribeMin
		}
		if closed || sleep(ctx, delay) != nil {
			return
		}
		delay = min(delay*2, resubscribeMax)
	}
}

// consume feeds the group from a subscription after the given position. It returns nil when
// every processor of the group stopped on an Apply error, and the subscription's error (or
// ctx's) otherwise.
func (r *Runner) consume(ctx context.Context, group []*processor, after store.Position) error {
	if len(group) == 1 && group[0].saga != nil {
		return r.consumeSaga(ctx, group[0], after)
	}
	live := group
	shared := group[0].shared
	for e, err := range store.SubscribeReadOnly(ctx, r.store, after) {
		if err != nil {
			return err
		}
		if shared {
			// The states are saved between two events (saveStates), so that they agree.
			r.stateMu.Lock()
		}
		live = r.applyAll(live, e)
		if shared {
			r.stateMu.Unlock()
			r.stateApplied(e.Position)
		}
		if len(live) == 0 {
			return nil
		}
	}
	return ctx.Err()
}

// applyAll applies e to every projection of live and advances them, and returns those that
// did not stop.
func (r *Runner) applyAll(live []*processor, e store.Event) []*processor {
	failed := false
	for _, q := range live {
		if q.pos >= e.Position {
			continue // it resubscribed further on than the group's lowest
		}
		if err := apply(q.projection, e); err != nil {
			r.stopProjection(q, e, err)
			failed = true
		}
	}
	if failed {
		// Only this goroutine stops a projection, so reading stopped needs no lock.
		var kept []*processor
		for _, q := range live {
			if !q.stopped {
				kept = append(kept, q)
			}
		}
		if live = kept; len(live) == 0 {
			return nil
		}
	}
	r.advanceAll(live, e.Position, e.ID)
	return live
}

// stopProjection records that q failed to apply e and stops it.
func (r *Runner) stopProjection(q *processor, e store.Event, err error) {
	r.logger.Error("eventsourcing: projection failed", "projection", q.name,
		"eventId", e.ID, "type", e.Type, "stream", e.StreamID, "position", e.Position, "err", err)
	r.mu.Lock()
	defer r.mu.Unlock()
	q.failures++
	q.lastErr = err.Error()
	q.stopped = true
	r.notifyLocked()
}

// resumeProjection sets q's position to the one Resume returns, and reports whether q is
// to run from there. Resume's errors (its database not up yet) are retried, with backoff,
// until ctx ends, each counted in q's Status; q waits meanwhile at position 0, so a WaitFor
// waits too. A panic, a negative position or one beyond the log's head stop q for good.
// head is the log's head when Run started.
func (r *Runner) resumeProjection(ctx context.Context, q *processor, rp ResumableProjection, head store.Position) bool {
	delay := resubscribeMin
	for {
		pos, panicked, err := resumePosition(ctx, rp)
		if err == nil && pos > head {
			// The log may have grown since Run read its head (another server's appends, which
			// this read model may reflect when the servers share it): look again.
			head, err = store.Head(ctx, r.store)
		}
		var fatal error
		switch {
		case panicked:
			fatal = fmt.Errorf("resume: %w", err)
		case err != nil:
		case pos < 0:
			fatal = fmt.Errorf("resume: position %d", pos)
		case pos > head:
			fatal = fmt.Errorf("resume: position %d is beyond the log's head %d: the read model is not of this log", pos, head)
		}
		r.mu.Lock()
		switch {
		case fatal != nil:
			r.logger.Error("eventsourcing: projection failed", "projection", q.name, "err", fatal)
			q.failures++
			q.lastErr = fatal.Error()
			q.stopped = true
		case err != nil && ctx.Err() == nil:
			r.logger.Warn("eventsourcing: projection cannot resume yet; retrying", "projection", q.name, "err", err, "retryIn", delay)
			q.failures++
			q.lastErr = "resume: " + err.Error()
		case err == nil:
			q.pos = pos
			r.logger.Info("eventsourcing: projection resumes", "projection", q.name, "position", pos)
		}
		r.notifyLocked()
		r.mu.Unlock()
		if fatal != nil {
			return false
		}
		if err == nil {
			return true
		}
		if sleep(ctx, delay) != nil {
			return false
		}
		delay = min(delay*2, resubscribeMax)
	}
}

// resumePosition calls Resume, turning a panic into an error.
func resumePosition(ctx context.Context, rp ResumableProjection) (pos store.Position, panicked bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked, err = true, fmt.Errorf("panicked: %v", v)
		}
	}()
	pos, err = rp.Resume(ctx)
	return pos, false, err
}

// apply calls Apply, turning a panic into an error.
func apply(p Projection, e store.Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("apply panicked: %v", v)
		}
	}()
	return p.Apply(e)
}

// failedForGood reports whether s says it has failed for good (a Failed method returning an
// error): only closing and opening it again recovers.
func failedForGood(s store.Store) bool {
	f, ok := s.(interface{ Failed() error })
	return ok && f.Failed() != nil
}
