package eventsourcing

import (
	"container/list"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// stateCache keeps the folded states of the most recently used streams.
type stateCache[S any] struct {
	max   int
	mu    sync.Mutex
	order *list.List // of *cacheEntry[S], most recently used first
	byKey map[string]*list.Element
}

type cachedState[S any] struct {
	state    S
	version  store.Version
	position store.Position
}

type cacheEntry[S any] struct {
	stream string
	value  cachedState[S]
}

func newStateCache[S any](size int) *stateCache[S] {
	return &stateCache[S]{max: size, order: list.New(), byKey: make(map[string]*list.Element)}
}

func (c *stateCache[S]) get(stream string) (cachedState[S], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[stream]
	if !ok {
		return cachedState[S]{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry[S]).value, true
}

func (c *stateCache[S]) put(stream string, v cachedState[S]) {
	if c.max == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[stream]; ok {
		el.Value.(*cacheEntry[S]).value = v
		c.order.MoveToFront(el)
		return
	}
	c.byKey[stream] = c.order.PushFront(&cacheEntry[S]{stream: stream, value: v})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry[S]).stream)
	}
}

func (c *stateCache[S]) remove(stream string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[stream]; ok {
		c.order.Remove(el)
		delete(c.byKey, stream)
	}
}
