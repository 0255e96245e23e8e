package graph

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/eventgraph/eventgraph/graph/generated"
)

func TestSelectionDepth(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
	// chain returns a query whose fragments F0..Fn-1 each spread the next twice, ending in
	// a field: walked naively, it costs 2^n visits.
	chain := func(n int) string {
		var b strings.Builder
		b.WriteString("query { status { ...F0 } }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment F%d on Status { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "fragment F%d on Status { head projections { name } }\n", n)
		return b.String()
	}
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"one field", `{ status { head } }`, 2},
		{"the deepest list path", `{ restaurants { nodes { menu { menuItems { name } } } } }`, 5},
		{"the deepest branch counts", `{ status { head projections { name } } }`, 3},
		{"__typename is a field", `{ __typename }`, 1},
		{"introspection is not counted", `{ __schema { types { fields { type { ofType { name } } } } } status { head } }`, 2},
		{"inline fragments add no depth", `{ restaurants { ... on RestaurantConnection { nodes { id } } } }`, 3},
		{"fragments count as their fields", `query { restaurants { ...P } } fragment P on RestaurantConnection { nodes { menu { cuisine } } }`, 4},
		{"fragments spread many times are walked once each", chain(40), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := gqlparser.LoadQueryWithRules(schema, tt.query, nil)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if got := selectionDepth(doc.Operations[0].SelectionSet, map[string]int{}); got != tt.want {
				t.Errorf("depth %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("introspection is found through fragments spread many times", func(t *testing.T) {
		q := strings.Replace(chain(40), "fragment F40 on Status { head projections { name } }", "fragment F40 on Status { head }", 1)
		q = strings.Replace(q, "query { status { ...F0 } }", "query { status { ...F0 } ...I } fragment I on Query { __type(name: \"Query\") { name } }", 1)
		doc, err := gqlparser.LoadQueryWithRules(schema, q, nil)
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if !asksIntrospection(doc.Operations[0].SelectionSet, map[string]bool{}) {
			t.Error("not found")
		}
	})
}

func TestConnSubscriptions_acquire(t *testing.T) {
	const long = time.Minute // a wait that must not be waited out
	t.Run("a free slot is taken at once, also with no wait", func(t *testing.T) {
		c := &subscriptionSlots{limit: 2}
		if !c.acquire(context.Background(), 0) || !c.acquire(context.Background(), 0) {
			t.Fatal("refused within the limit")
		}
	})
	t.Run("at the limit, a slot released meanwhile is taken", func(t *testing.T) {
		c := &subscriptionSlots{limit: 1}
		c.acquire(context.Background(), 0)
		got := make(chan bool)
		go func() { got <- c.acquire(context.Background(), long) }()
		c.release()
		if !<-got {
			t.Fatal("refused after a release")
		}
	})
	t.Run("at the limit, one of two waiters takes the released slot, the other waits on", func(t *testing.T) {
		c := &subscriptionSlots{limit: 1}
		c.acquire(context.Background(), 0)
		got := make(chan bool)
		for range 2 {
			go func() { got <- c.acquire(context.Background(), time.Minute) }()
		}
		c.release()
		if !<-got {
			t.Fatal("refused after a release")
		}
		select {
		case ok := <-got:
			t.Fatalf("the other waiter returned %v while no slot was free", ok)
		case <-time.After(50 * time.Millisecond): // a check that nothing happens
		}
		c.release()
		if !<-got {
			t.Fatal("the other waiter was refused after a second release")
		}
	})
	t.Run("at the limit, it is refused when no slot is released in time", func(t *testing.T) {
		c := &subscriptionSlots{limit: 1}
		c.acquire(context.Background(), 0)
		if c.acquire(context.Background(), time.Millisecond) {
			t.Fatal("taken beyond the limit")
		}
	})
	t.Run("at the limit, it is refused when ctx ends", func(t *testing.T) {
		c := &subscriptionSlots{limit: 1}
		c.acquire(context.Background(), 0)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if c.acquire(ctx, long) {
			t.Fatal("taken beyond the limit")
		}
	})
}

func TestSubscriptionLimit(t *testing.T) {
	// connection returns a WebSocket connection's context, with one slot, and its slots.
	connection := func(ctx context.Context) (context.Context, *subscriptionSlots) {
		c := &subscriptionSlots{limit: 1}
		return context.WithValue(ctx, connKey{}, c), c
	}
	subscription := func() *graphql.OperationContext {
		return &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Subscription}}
	}
	code := func(err *gqlerror.Error) any {
		if err == nil {
			return nil
		}
		return err.Extensions["code"]
	}
	next := func(context.Context) graphql.ResponseHandler {
		t.Fatal("started beyond the limit")
		return nil
	}
	t.Run("a subscription beyond the limit is refused", func(t *testing.T) {
		ctx, _ := connection(context.Background())
		l := newSubscriptionLimit(0)
		if err := l.MutateOperationContext(ctx, subscription()); err != nil {
			t.Fatalf("the first: %v", err)
		}
		second := subscription()
		if err := l.MutateOperationContext(ctx, second); err != nil {
			t.Fatalf("the second is refused as it is created (%v): it waits as it runs", err)
		}
		ctx = graphql.WithOperationContext(ctx, second)
		r := l.InterceptOperation(ctx, next)(ctx)
		if r == nil || len(r.Errors) != 1 || code(r.Errors[0]) != CodeSubscriptionLimitExceeded {
			t.Fatalf("got %+v, want %s", r, CodeSubscriptionLimitExceeded)
		}
	})
	t.Run("a subscription stopped while it waits ends without an answer", func(t *testing.T) {
		ctx, c := connection(context.Background())
		c.acquire(ctx, 0)
		ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, subscription()))
		cancel()
		if r := newSubscriptionLimit(0).InterceptOperation(ctx, next)(ctx); r != nil {
			t.Fatalf("got %+v, want the stream ended", r)
		}
	})
	t.Run("the slot is freed when the subscription's stream ends", func(t *testing.T) {
		ctx, c := connection(context.Background())
		l := newSubscriptionLimit(0)
		op := subscription()
		if err := l.MutateOperationContext(ctx, op); err != nil {
			t.Fatal(err)
		}
		opCtx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, op))
		defer cancel()
		ended := false
		h := l.InterceptOperation(opCtx, func(context.Context) graphql.ResponseHandler {
			return func(context.Context) *graphql.Response {
				if ended {
					return nil
				}
				ended = true
				return &graphql.Response{}
			}
		})
		for h(opCtx) != nil {
			if c.active != 1 {
				t.Fatalf("%d slots taken while the stream runs, want 1", c.active)
			}
		}
		if c.active != 0 {
			t.Fatalf("%d slots taken once the stream ended, want 0", c.active)
		}
	})
	t.Run("the slot of a subscription that never runs is freed when its request ends", func(t *testing.T) {
		ctx, c := connection(context.Background())
		ctx, cancel := context.WithCancel(ctx)
		l := newSubscriptionLimit(0)
		if err := l.MutateOperationContext(ctx, subscription()); err != nil {
			t.Fatal(err)
		}
		cancel()
		if !c.acquire(context.Background(), time.Minute) {
			t.Fatal("the slot is still taken")
		}
	})
}
