package eventsourcing

import (
	"context"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// consumeSaga feeds a saga from the subscription: the events of one stream one after the
// other, in log order, and events of different streams concurrently, up to r.sagaParallel at
// once. The saga's position advances over an event only once that event and every earlier
// one are handled, so WaitFor and a restart never skip an event still in flight.
//
// It returns the subscription's error or ctx's, after every event in flight has finished.
func (r *Runner) consumeSaga(ctx context.Context, q *processor, after store.Position) error {
	c := &sagaConsumer{r: r, q: q, next: after + 1, done: make(map[store.Position]store.Position)}
	sem := make(chan struct{}, r.sagaParallel)
	tails := make(map[string]chan struct{}) // per stream: closed when its last event in flight is handled
	var wg sync.WaitGroup
	defer wg.Wait()
	for e, err := range store.SubscribeReadOnly(ctx, r.store, after) {
		if err != nil {
			return err
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		prev := tails[e.StreamID]
		mine := make(chan struct{})
		tails[e.StreamID] = mine
		if len(tails) > 2*r.sagaParallel {
			// Forget the streams whose events are all handled, so the map stays small.
			for id, ch := range tails {
				select {
				case <-ch:
					delete(tails, id)
				default:
				}
			}
		}
		wg.Go(func() {
			defer func() { <-sem }()
			defer close(mine)
			if prev != nil {
				<-prev // the stream's earlier event first (it always finishes: ctx ends its retries)
			}
			c.handle(ctx, e)
		})
	}
	return ctx.Err()
}

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
