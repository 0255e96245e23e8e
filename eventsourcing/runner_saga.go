package eventsourcing

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// consumeSaga feeds a saga from the subscription. A saga that is a SagaRouter (NewSaga's
// are) handles up to r.sagaParallel events at once, on as many workers, under one
// rule: an event waits for every earlier event that shares its stream or its key (see
// SagaRouter), so the events of one stream, and the events with one key, are handled one
// after the other, in log order, and the others concurrently. An event with an empty key
// waits until every earlier one is handled and runs alone. Any other saga gets one event at
// a time, in log order. The saga's position advances over an event only once that event and
// every earlier one are handled, so WaitFor and a restart never skip an event still in
// flight. A full set of events in flight holds the subscription back (it catches up from
// the log later), and so do maxPendingHandled events handled (or ignored) behind one still
// in flight, so memory stays bounded.
//
// It returns the subscription's error or ctx's, after every event in flight has finished.
func (r *Runner) consumeSaga(ctx context.Context, q *processor, after store.Position) error {
	c := &sagaConsumer{r: r, q: q, next: after + 1, done: make(map[store.Position]handledEvent)}
	prep, prepares := q.saga.(sagaPreparer)
	router, routes := q.saga.(SagaRouter)
	n := r.sagaParallel
	if !prepares && !routes {
		n = 1
	}
	slots := make(chan struct{}, n)
	pool := newWorkers(slots)
	defer pool.close()
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	var chains sagaChains
	for e, err := range store.SubscribeReadOnly(ctx, r.store, after) {
		if err != nil {
			return err
		}
		var job sagaJob
		if prepares {
			job = prep.prepare(e)
		} else {
			job.run = func(ctx context.Context, onRetry func(error)) ([]span, error) {
				last, err := q.saga.Process(ctx, e, onRetry)
				if last == 0 {
					return nil, err
				}
				return []span{{last: last}}, err // which positions is not known: see span
			}
			if routes {
				job.route = r.routeOf(q.name, router, e)
			}
		}
		switch {
		case job.noop:
			// Nothing to run: it only counts as handled. Until the events before it are, it
			// is remembered, so behind an event in flight for long the subscription must
			// not run on without bound.
			if c.handle(ctx, e, job) >= maxPendingHandled {
				inFlight.Wait()
			}
			continue
		case n == 1 || job.route == "":
			inFlight.Wait() // only this goroutine adds, so nothing is added meanwhile
			c.handle(ctx, e, job)
			continue
		}
		if c.pending() >= maxPendingHandled {
			// Handled events wait for one in flight to be counted: as for ignored ones.
			inFlight.Wait()
		}
		// Chained behind the earlier events of its stream and its key before it takes a
		// slot: predecessors are always earlier, so waiting for them never deadlocks.
		waits, done := chains.link(e.StreamID, job.route)
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			chains.unlink(e.StreamID, job.route, done)
			return ctx.Err()
		}
		inFlight.Add(1)
		pool.run(func() {
			defer inFlight.Done()
			defer chains.unlink(e.StreamID, job.route, done)
			for _, w := range waits {
				<-w // predecessors finish even when ctx ends
			}
			c.handle(ctx, e, job)
		})
	}
	return ctx.Err()
}

// maxPendingHandled bounds the events a saga has handled (or ignored) past one still in
// flight; the subscription waits for the events in flight beyond it.
const maxPendingHandled = 4096

// sagaChains orders a saga's events per stream and per key: each key maps to the completion
// of the last event dispatched with it, while that event is in flight.
type sagaChains struct {
	mu   sync.Mutex
	last map[string]chan struct{}
}

// link makes done the last event of both keys and returns the completions to wait for.
func (s *sagaChains) link(stream, route string) (waits []chan struct{}, done chan struct{}) {
	done = make(chan struct{})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = make(map[string]chan struct{})
	}
	for i, k := range [2]string{stream, route} {
		if i == 1 && k == stream {
			break
		}
		if prev, ok := s.last[k]; ok {
			waits = append(waits, prev)
		}
		s.last[k] = done
	}
	return waits, done
}

// unlink closes done and forgets the keys whose last event it still is, so that the map
// holds only keys with events in flight.
func (s *sagaChains) unlink(stream, route string, done chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(done)
	for _, k := range [2]string{stream, route} {
		if s.last[k] == done {
			delete(s.last, k)
		}
	}
}

// sagaConsumer records which events a saga handled and advances its position over the
// handled prefix of the log.
type sagaConsumer struct {
	r *Runner
	q *processor

	mu   sync.Mutex
	next store.Position                  // the first position not yet advanced over
	done map[store.Position]handledEvent // handled events past next, by position
}

// handledEvent is an event a saga handled: its id and what its commands wrote.
type handledEvent struct {
	id      string
	written []span
}

// pending returns how many handled events wait for an earlier one to be handled.
func (c *sagaConsumer) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.done)
}

// routeOf is router.Route(e), or "" (the event runs alone, Process deciding its fate) when
// Route panics: logged, not left to kill the process on the subscription's goroutine.
func (r *Runner) routeOf(saga string, router SagaRouter, e store.Event) (route string) {
	defer func() {
		if v := recover(); v != nil {
			r.logger.Error("eventsourcing: saga's Route panicked; the event runs alone", "saga", saga,
				"eventId", e.ID, "position", e.Position, "panic", v, "stack", string(debug.Stack()))
			route = ""
		}
	}()
	return router.Route(e)
}

// run runs job, turning a panic (in a command's Decide, Evolve or Encode, or in a
// SagaProcessor's Process) into the saga's fault, as a panic in React is: it fails the event
// and holds the checkpoint before it, rather than killing the process, and again at every
// restart. What the job's commands wrote before the panic is not known; WaitFor does not wait
// for it.
func (c *sagaConsumer) run(ctx context.Context, e store.Event, job sagaJob, onRetry func(error)) (written []span, err error) {
	defer func() {
		if v := recover(); v != nil {
			c.r.logger.Error("eventsourcing: saga panicked", "saga", c.q.name, "eventId", e.ID,
				"position", e.Position, "panic", v, "stack", string(debug.Stack()))
			written, err = nil, sagaFault{fmt.Errorf("saga %s: panicked: %v", c.q.name, v)}
		}
	}()
	return job.run(ctx, onRetry)
}

// handle lets the saga process e (job is e prepared) and records the outcome. An event
// whose handling ctx cut short counts as unhandled. It returns how many handled events then
// wait for an earlier one to be handled.
func (c *sagaConsumer) handle(ctx context.Context, e store.Event, job sagaJob) int {
	r, q := c.r, c.q
	written, err := c.run(ctx, e, job, func(err error) {
		r.logger.Warn("eventsourcing: saga retrying", "saga", q.name, "eventId", e.ID, "position", e.Position, "err", err)
		r.mu.Lock()
		q.retries++
		q.lastErr = err.Error()
		r.mu.Unlock()
	})
	if ctx.Err() != nil {
		return 0
	}
	expected, err := splitExpected(err)
	for _, x := range expected {
		r.logger.Info("eventsourcing: saga command refused, as the saga expects", "saga", q.name,
			"eventId", e.ID, "type", e.Type, "stream", e.StreamID, "position", e.Position, "err", x)
	}
	if len(expected) > 0 {
		r.mu.Lock()
		q.rejected += int64(len(expected))
		r.mu.Unlock()
	}
	if err != nil {
		r.logger.Error("eventsourcing: saga command failed", "saga", q.name,
			"eventId", e.ID, "type", e.Type, "stream", e.StreamID, "position", e.Position, "err", err)
		r.mu.Lock()
		q.failures++
		q.lastErr = err.Error()
		if holdsCheckpoint(err) && !q.held {
			q.held = true
			r.logger.Warn("eventsourcing: saga checkpoint held before this event, so that the next start handles it again",
				"saga", q.name, "eventId", e.ID, "position", e.Position)
		}
		r.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[e.Position] = handledEvent{id: e.ID, written: written}
	for {
		h, ok := c.done[c.next]
		if !ok {
			return len(c.done)
		}
		delete(c.done, c.next)
		r.advance(q, c.next, h.id, h.written)
		c.next++
	}
}
