package eventsourcing

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// consumeSaga feeds a saga from the subscription. A saga that is a SagaRouter (NewSaga's
// are) runs on r.sagaParallel workers: each event goes to the worker of its key (by a hash),
// so events with one key are handled one after the other, in log order, and events with
// different keys concurrently; an event with an empty key waits until every earlier one is
// handled and runs alone. Any other saga gets one event at a time, in log order. The saga's
// position advances over an event only once that event and every earlier one are handled,
// so WaitFor and a restart never skip an event still in flight. Each worker queues at most
// sagaQueue events: a busy worker holds the subscription back, which then catches up from
// the log, so memory stays bounded.
//
// It returns the subscription's error or ctx's, after every event in flight has finished.
func (r *Runner) consumeSaga(ctx context.Context, q *processor, after store.Position) error {
	c := &sagaConsumer{r: r, q: q, next: after + 1, done: make(map[store.Position]store.Position)}
	prep, prepares := q.saga.(sagaPreparer)
	router, routes := q.saga.(SagaRouter)
	n := r.sagaParallel
	if !prepares && !routes {
		n = 1
	}
	queues := make([]chan sagaEvent, n)
	var wg, inFlight sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan sagaEvent, sagaQueue)
		wg.Go(func() {
			for x := range queues[i] {
				c.handle(ctx, x.e, x.job)
				inFlight.Done()
			}
		})
	}
	defer func() {
		for _, ch := range queues {
			close(ch)
		}
		wg.Wait()
	}()
	seed := maphash.MakeSeed()
	for e, err := range store.SubscribeReadOnly(ctx, r.store, after) {
		if err != nil {
			return err
		}
		var job sagaJob
		switch {
		case prepares:
			job = prep.prepare(e)
		case routes:
			job = sagaJob{route: router.Route(e), run: func(ctx context.Context, onRetry func(error)) (store.Position, error) {
				return q.saga.Process(ctx, e, onRetry)
			}}
		default:
			job = sagaJob{run: func(ctx context.Context, onRetry func(error)) (store.Position, error) {
				return q.saga.Process(ctx, e, onRetry)
			}}
		}
		ch := queues[0]
		if n > 1 {
			if job.route == "" {
				inFlight.Wait() // only this goroutine adds, so nothing is added meanwhile
				c.handle(ctx, e, job)
				continue
			}
			ch = queues[maphash.String(seed, job.route)%uint64(n)]
		}
		inFlight.Add(1)
		select {
		case ch <- sagaEvent{e, job}:
		case <-ctx.Done():
			inFlight.Done()
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// sagaEvent is an event on its way to a saga worker.
type sagaEvent struct {
	e   store.Event
	job sagaJob
}

// sagaQueue bounds the events waiting for one saga worker.
const sagaQueue = 16

// sagaConsumer records which events a saga handled and advances its position over the
// handled prefix of the log.
type sagaConsumer struct {
	r *Runner
	q *processor

	mu   sync.Mutex
	next store.Position                    // the first position not yet advanced over
	done map[store.Position]store.Position // handled events past next: position → written
}

// handle lets the saga process e (job is e prepared) and records the outcome. An event
// whose handling ctx cut short counts as unhandled.
func (c *sagaConsumer) handle(ctx context.Context, e store.Event, job sagaJob) {
	r, q := c.r, c.q
	written, err := job.run(ctx, func(err error) {
		r.logger.Warn("eventsourcing: saga retrying", "saga", q.name, "eventId", e.ID, "position", e.Position, "err", err)
		r.mu.Lock()
		q.retries++
		q.lastErr = err.Error()
		r.mu.Unlock()
	})
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		r.logger.Error("eventsourcing: saga command failed", "saga", q.name,
			"eventId", e.ID, "type", e.Type, "stream", e.StreamID, "position", e.Position, "err", err)
		r.mu.Lock()
		q.failures++
		q.lastErr = err.Error()
		r.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done[e.Position] = written
	for {
		w, ok := c.done[c.next]
		if !ok {
			return
		}
		delete(c.done, c.next)
		r.advance(q, c.next, w)
		c.next++
	}
}
