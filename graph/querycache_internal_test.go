package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestQueryCache(t *testing.T) {
	ctx := context.Background()
	doc := &ast.QueryDocument{}
	has := func(c *queryCache, q string) bool {
		_, ok := c.Get(ctx, q)
		return ok
	}

	t.Run("keeps what was added, by the query's text", func(t *testing.T) {
		c := newQueryCache()
		c.Add(ctx, "{ a }", doc)
		if got, ok := c.Get(ctx, "{ a }"); !ok || got != doc {
			t.Fatalf("Get = %v, %v", got, ok)
		}
		if has(c, "{ b }") {
			t.Fatal("Get of a query never added")
		}
	})

	t.Run("a query over the size limit is not kept", func(t *testing.T) {
		c := newQueryCache()
		q := "{ a }" + strings.Repeat(" ", queryCacheMaxQuery)
		c.Add(ctx, q, doc)
		if has(c, q) || c.bytes != 0 {
			t.Fatalf("a %d-byte query was kept", len(q))
		}
	})

	t.Run("the text kept stays within the byte bound, the least recently used dropped", func(t *testing.T) {
		c := newQueryCache()
		big := func(i int) string { return fmt.Sprintf("{ a%d }", i) + strings.Repeat(" ", queryCacheMaxQuery-20) }
		n := queryCacheBytes/len(big(0)) + 1 // one more than fit
		for i := range n {
			c.Add(ctx, big(i), doc)
			if i == 1 {
				has(c, big(0)) // used: the first stays longer than the second
			}
		}
		if c.bytes > queryCacheBytes {
			t.Fatalf("%d bytes kept, bound %d", c.bytes, queryCacheBytes)
		}
		if !has(c, big(n-1)) {
			t.Fatal("the last query added was dropped")
		}
		if has(c, big(1)) || !has(c, big(0)) {
			t.Fatal("not the least recently used query was dropped")
		}
		if len(c.byQuery) != c.order.Len() {
			t.Fatalf("map %d, list %d entries", len(c.byQuery), c.order.Len())
		}
	})

	t.Run("at most queryCacheEntries entries", func(t *testing.T) {
		c := newQueryCache()
		for i := range queryCacheEntries + 50 {
			c.Add(ctx, fmt.Sprintf("{ a%d }", i), doc)
		}
		if c.order.Len() != queryCacheEntries || len(c.byQuery) != queryCacheEntries {
			t.Fatalf("%d entries, want %d", c.order.Len(), queryCacheEntries)
		}
		if has(c, "{ a0 }") || !has(c, fmt.Sprintf("{ a%d }", queryCacheEntries+49)) {
			t.Fatal("not the most recent entries kept")
		}
	})
}
