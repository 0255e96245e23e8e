package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/graph"
)

// doublingFragments returns a query of n fragments each of which spreads the next one
// twice: some 60 bytes a fragment, whose fields, spread out, number 2^n.
func doublingFragments(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { status { head } }", n)
	return b.String()
}

func TestConfig_ComplexityLimit_fragments(t *testing.T) {
	// gqlgen's complexity walker walked a fragment again at each spread: a query of 2.4 KB
	// held a core for good, past the request's deadline; 26 such fragments took some 10 s.
	t.Run("fragments spread twice at each level are refused at once", func(t *testing.T) {
		e := newEnv(t)
		for _, n := range []int{26, 60, 200} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			start := time.Now()
			r, err := e.client.Query(ctx, doublingFragments(n), nil)
			cancel()
			if err != nil {
				t.Fatalf("%d fragments: no answer after %v: %v", n, time.Since(start).Round(time.Millisecond), err)
			}
			if r.Code() != complexityCode {
				t.Fatalf("%d fragments: got %s %v, want %s", n, r.Data, r.Err(), complexityCode)
			}
		}
	})

	t.Run("a fragment costs what its fields cost, at each spread", func(t *testing.T) {
		e := newEnv(t, withConfig(graph.Config{ComplexityLimit: 1}))
		inline := `{ a: restaurants(first: 3) { nodes { name menu { cuisine } } } b: restaurants(first: 3) { nodes { name menu { cuisine } } } }`
		spread := `{ a: restaurants(first: 3) { ...P } b: restaurants(first: 3) { ...P } } fragment P on RestaurantConnection { nodes { ...N } } fragment N on Restaurant { name ... on Restaurant { menu { cuisine } } }`
		refused := e.wantCode(t, complexityCode, inline, nil)
		want := refused.Message
		if got := e.wantCode(t, complexityCode, spread, nil).Message; got != want {
			t.Fatalf("with fragments: %q; inline: %q", got, want)
		}
		// The numbers are in the extensions too, for a client to shrink its pages to fit.
		if c, l := refused.Extensions["complexity"], refused.Extensions["limit"]; c != 26.0 || l != 1.0 {
			t.Errorf("extensions %v, want complexity 26 and limit 1", refused.Extensions)
		}
		// Each restaurant: nodes 1, name 1, menu 1 + cuisine 1; a page of 3: 1 + 3*4.
		if want != "operation has complexity 26, which exceeds the limit of 1: ask for smaller pages (first or last) or fewer fields in each node" {
			t.Fatalf("got %q", want)
		}
	})
}
