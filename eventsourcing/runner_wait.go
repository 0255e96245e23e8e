package eventsourcing

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/eventgraph/eventgraph/store"
)

// CaughtUp waits until every projection and saga has processed the log as it was when Run
// started (useful for readiness), or until ctx ends (see WaitFor).
func (r *Runner) CaughtUp(ctx context.Context) error {
	select {
	case <-r.started:
	case <-ctx.Done():
		return consistencyError(ctx, 0)
	}
	r.mu.Lock()
	head, err := r.startHead, r.startErr
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return r.WaitFor(ctx, head)
}

// WaitFor waits until every projection and saga has processed position p, and every
// projection and saga has also processed what the sagas wrote while handling the events up
// to p, what they wrote while handling that, and so on (so a read model reflects a command
// and the commands its sagas caused). It does not wait for what the sagas wrote because of
// later events, so a steady flow of commands does not hold it up.
//
// When ctx ends first it returns an error wrapping ctx's error and, when ctx's deadline
// passed, ErrConsistencyTimeout. When a processor stopped on an error before reaching the
// position, or Run has returned, it returns an error wrapping ErrProcessorStopped at once.
// Before Run is called nothing is processed, so WaitFor waits for ctx (give it a deadline);
// a Runner without processors has nothing to wait for and returns nil for any p.
func (r *Runner) WaitFor(ctx context.Context, p store.Position) error {
	if r.started == nil {
		// A zero Runner processes nothing: nil would tell a reader its write is visible.
		return fmt.Errorf("%w: the Runner was not made by NewRunner", ErrProcessorStopped)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if done, err := r.reachedLocked(p); done || err != nil {
			return err
		}
		if r.draining && p > r.drainHead {
			return fmt.Errorf("%w: position %d is beyond the log's head %d", ErrDraining, p, r.drainHead)
		}
		if ctx.Err() != nil {
			return consistencyError(ctx, p)
		}
		ch := r.changed
		// Woken once a processor reaches what p waits for, what the sagas wrote because of the
		// events up to p included: after a restart that is the head for every p, and a wait
		// for p woken at p would be woken again at every event the read models replay.
		r.waitLow = min(r.waitLow, r.closureLocked(p))
		r.waiters++
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		r.mu.Lock()
		r.waiters--
	}
}

// Reached reports whether WaitFor(p) would return nil at once: every projection and saga
// has processed p and what the sagas wrote for the events up to it. It does not wait.
func (r *Runner) Reached(p store.Position) bool {
	if r.started == nil {
		return false // a zero Runner, whose WaitFor fails (see there)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	done, err := r.reachedLocked(p)
	return done && err == nil
}

// Drain makes WaitFor fail at once with ErrDraining, for the calls waiting now and those to
// come, when they wait for a position beyond head; a server calls it as it shuts down, with
// the log's head once it no longer takes requests. No request can then write such a position
// or learn of it (it was a guess, or another server's beyond this one's head), and waiting for
// it would hold the shutdown up for the caller's whole timeout. Waits for positions up to
// head are not affected: the processors go on until Run's context ends. Called again, it
// keeps the higher of the two heads: a server raises it to a position that a request still
// in flight wrote, and waits for.
func (r *Runner) Drain(head store.Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.draining {
		head = max(head, r.drainHead)
	}
	r.draining, r.drainHead = true, head
	r.notifyLocked()
}

func consistencyError(ctx context.Context, p store.Position) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: position %d not processed in time: %w", ErrConsistencyTimeout, p, ctx.Err())
	}
	return fmt.Errorf("eventsourcing: waiting for position %d: %w", p, ctx.Err())
}

// reachedLocked reports whether position p and what the sagas wrote for it are processed.
func (r *Runner) reachedLocked(p store.Position) (bool, error) {
	target := r.closureLocked(p)
	behind := false
	for _, q := range r.procs {
		if q.pos >= target {
			continue
		}
		if q.stopped {
			// Whatever the others do, this one will never get there: say so at once.
			return false, fmt.Errorf("%w: %s %q at position %d: %s", ErrProcessorStopped, q.kind, q.name, q.pos, q.lastErr)
		}
		behind = true
	}
	if behind && r.ended {
		return false, fmt.Errorf("%w: the runner has stopped (Run returned) before position %d was processed", ErrProcessorStopped, target)
	}
	return !behind, nil
}

// advance records that q processed the event at pos, whose id is id, during which it wrote
// the spans in written.
func (r *Runner) advance(q *processor, pos store.Position, id string, written []span) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q.pos, q.posID = pos, id
	var wrote store.Position // the furthest position written
	for _, s := range written {
		q.recordLocked(pos, s)
		wrote = max(wrote, s.last)
	}
	if r.waiters > 0 && wrote > 0 {
		// A WaitFor whose closure this write extends beyond a stopped processor can only
		// fail: it must learn so now, not once every processor reached its target (see
		// notifyAtLocked), which a slow one may take long to.
		for _, o := range r.procs {
			if o.stopped && o.pos < wrote {
				r.notifyLocked()
				break
			}
		}
	}
	if len(q.writes) > 0 {
		// Forget writes every processor has processed, with all they led to (what another
		// saga wrote because of them, and so on): no WaitFor needs them any more. A write
		// processed while a write it caused is not must stay, or a WaitFor for its event
		// would stop at the first hop.
		low, stoppedLow := q.pos, store.Position(math.MaxInt64)
		for _, o := range r.procs {
			low = min(low, o.pos)
			if o.stopped {
				stoppedLow = min(stoppedLow, o.pos)
			}
		}
		i, reach0 := 0, store.Position(0)
		for ; i < len(q.writes); i++ {
			if i == 0 && q.reach0 > low {
				reach0 = q.reach0 // see below: the processors have not got there yet
				break
			}
			if q.reachesBeyondLocked(i, low) {
				break
			}
			if reach := r.reachLocked(q.writes[i].first, q.writes[i].last); reach > low {
				// The reach only grows while the write is kept: the sagas' new writes add to
				// it, and a write forgotten in the meantime took with it only positions every
				// processor had passed (a cut below a stopped processor may lower it, which
				// only keeps the write longer). So until the processors pass this one, the write stays
				// without walking the writes again. Without it, each event walked them all
				// while a saga's writes caused another's (chained sagas catching up with a
				// backlog): the catch-up was quadratic.
				reach0 = reach
				break
			}
		}
		q.writes, q.reach0 = q.writes[i:], reach0
		// A stopped processor never moves again, so the writes above would be kept for ever.
		// A WaitFor that reaches beyond its position fails whatever was written, so writes
		// for events after it are never needed.
		if j := sort.Search(len(q.writes), func(j int) bool { return q.writes[j].event > stoppedLow }); j < len(q.writes) {
			q.writes = q.writes[:j]
			if j == 0 {
				q.reach0 = 0 // it was another write's
			}
		}
	}
	r.notifyAtLocked()
}

// advanceAll records that the projections processed the event at pos, whose id is id.
func (r *Runner) advanceAll(qs []*processor, pos store.Position, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range qs {
		if q.pos < pos {
			q.pos, q.posID = pos, id
		}
	}
	r.notifyAtLocked()
}

// notifyLocked wakes every WaitFor. Each checks its position again and, when it must wait
// on, waits on the new channel and lowers waitLow to its position.
func (r *Runner) notifyLocked() {
	if r.waiters > 0 {
		close(r.changed)
		r.changed, r.waitLow = make(chan struct{}), math.MaxInt64
	}
}

// notifyAtLocked wakes every WaitFor when every processor has reached the lowest position
// one of them waits for (waitLow): no WaitFor can be satisfied before, as each waits for
// every processor to reach its position and what the sagas wrote because of it. So while the
// read models catch up with a long log, a CaughtUp is not woken at every event; nor, while a
// saga catches up with a backlog whose commands it writes at the log's end, each time the
// read models reach the newest of those writes (each wake computes the closure of the
// position waited for over all the writes: the catch-up was quadratic).
func (r *Runner) notifyAtLocked() {
	if r.waiters == 0 {
		return
	}
	low := store.Position(math.MaxInt64)
	for _, q := range r.procs {
		low = min(low, q.pos)
	}
	if low >= r.waitLow {
		r.notifyLocked()
	}
}
