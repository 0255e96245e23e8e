package eventsourcing

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// consumeSaga feeds a saga from the subscription through r.sagaParallel workers. Each
// stream belongs to one worker (by a hash of its id), so the events of one stream are handled
// one after the other, in log order, and events of different streams concurrently. The saga's
// position advances over an event only once that event and every earlier one are handled, so
// WaitFor and a restart never skip an event still in flight. Each worker queues at most
// sagaQueue events: a busy worker holds the subscription back, which then catches up from
// the log, so memory stays bounded.
//
// It returns the subscription's error or ctx's, after every event in flight has finished.
func (r *Runner) consumeSaga(ctx context.Context, q *processor, after store.Position) error {
	c := &sagaConsumer{r: r, q: q, next: after + 1, done: make(map[store.Position]store.Position)}
	n := r.sagaParallel
	queues := make([]chan store.Event, n)
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan store.Event, sagaQueue)
		wg.Go(func() {
			for e := range queues[i] {
				c.handle(ctx, e)
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
		ch := queues[0]
		if n > 1 {
			ch = queues[maphash.String(seed, e.StreamID)%uint64(n)]
		}
		select {
		case ch <- e:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
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

// handle lets the saga process e and records the outcome. An event whose handling ctx cut
// short counts as unhandled.
func (c *sagaConsumer) handle(ctx context.Context, e store.Event) {
	r, q := c.r, c.q
	written, err := q.saga.Process(ctx, e, func(err error) {
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
