package graph

import (
	"container/list"
	"context"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// Bounds of the parsed-query cache (see queryCache).
const (
	queryCacheEntries  = 1000
	queryCacheBytes    = 2 << 20  // of query text in all
	queryCacheMaxQuery = 64 << 10 // bytes: a longer query is parsed each time
)

// queryCache keeps the parsed documents of recent query texts, so that a query sent again is
// not parsed and validated again. It is bounded by the bytes of query text it keeps, not only
// by the number of entries as gqlgen's LRU is: gqlgen caches a document before the complexity
// and depth limits run, and a document takes some 25 times its text's size, so a thousand
// refused 1 MiB queries would hold tens of gigabytes. Here at most queryCacheBytes of text
// (some 50 MiB of documents), in at most queryCacheEntries entries, the least recently used
// dropped first; a query longer than queryCacheMaxQuery is never kept.
type queryCache struct {
	mu      sync.Mutex
	byQuery map[string]*list.Element // of *queryEntry
	order   *list.List               // most recently used first
	bytes   int
}

type queryEntry struct {
	query string
	doc   *ast.QueryDocument
}

func newQueryCache() *queryCache {
	return &queryCache{byQuery: make(map[string]*list.Element), order: list.New()}
}

// Get returns the document kept for query, if any.
func (c *queryCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byQuery[query]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*queryEntry).doc, true
}

// Add keeps doc for query, unless query is too long, dropping the least recently used
// entries beyond the bounds.
func (c *queryCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	if len(query) > queryCacheMaxQuery {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byQuery[query]; ok {
		e.Value.(*queryEntry).doc = doc
		c.order.MoveToFront(e)
		return
	}
	c.byQuery[query] = c.order.PushFront(&queryEntry{query: query, doc: doc})
	c.bytes += len(query)
	for c.bytes > queryCacheBytes || c.order.Len() > queryCacheEntries {
		last := c.order.Back()
		q := last.Value.(*queryEntry).query
		c.order.Remove(last)
		delete(c.byQuery, q)
		c.bytes -= len(q)
	}
}
