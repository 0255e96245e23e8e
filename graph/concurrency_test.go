package graph_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/graph/graphtest"
)

// runConcurrently runs n operations at once and returns their responses in order.
func runConcurrently(t *testing.T, e *env, n int, query string, vars func(i int) map[string]any) []*graphtest.Response {
	t.Helper()
	out := make([]*graphtest.Response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i], errs[i] = e.client.Query(testContext(t), query, vars(i))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return out
}

func TestIdempotency_RepeatedCommandID(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "pizza"))
	in := map[string]any{"restaurantId": "r1", "menuItemIds": []string{"pizza"}, "commandId": "order-once"}

	first := e.place(t, in)
	if first.Duplicate {
		t.Fatal("first result is a duplicate")
	}
	// Let the saga create the order first, so that the head only moves if the retry writes.
	e.must(t, `query($p: Int64) { status { head } order(id: "x", minPosition: $p) { id } }`, map[string]any{"p": first.Position}, nil)
	head := e.head(t)

	t.Run("a sequential retry returns the first result and writes nothing", func(t *testing.T) {
		again := e.place(t, in)
		if !again.Duplicate || again.ID != first.ID || again.Position != first.Position || again.Version != first.Version ||
			len(again.Events) != 1 || again.Events[0].ID != first.Events[0].ID {
			t.Fatalf("retry %+v, first %+v", again, first)
		}
		if e.head(t) != head {
			t.Fatal("the retry wrote")
		}
	})

	t.Run("16 concurrent repeats of a new commandId: one writes, all return its result", func(t *testing.T) {
		in := map[string]any{"id": "r1", "menu": menu("soup"), "commandId": "menu-16"}
		before := e.head(t)
		rs := runConcurrently(t, e, 16, changeMenu, func(int) map[string]any { return map[string]any{"in": in} })
		fresh := 0
		var pos int64
		for i, r := range rs {
			var out struct{ ChangeRestaurantMenu result }
			if err := r.Decode(&out); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			res := out.ChangeRestaurantMenu
			if !res.Duplicate {
				fresh++
			}
			if pos == 0 {
				pos = res.Position
			}
			if res.Position != pos || res.Events[0].Position != pos {
				t.Fatalf("results differ: position %d and %+v", pos, res)
			}
		}
		if fresh != 1 {
			t.Fatalf("%d results are not duplicates, want 1", fresh)
		}
		if got := e.head(t); got != before+1 {
			t.Fatalf("head %d → %d: want exactly one event written", before, got)
		}
	})
}

func TestConcurrency_PlaceOrders(t *testing.T) {
	e := newEnv(t)
	e.create(t, restaurantInput("r1", "pizza"))

	t.Run("64 concurrent placeOrders without expectedVersion all succeed", func(t *testing.T) {
		rs := runConcurrently(t, e, 64, placeOrder, func(i int) map[string]any {
			return map[string]any{"in": map[string]any{"restaurantId": "r1", "orderId": fmt.Sprintf("o%d", i), "menuItemIds": []string{"pizza"}}}
		})
		versions := map[int]bool{}
		var last int64
		for i, r := range rs {
			var out struct{ PlaceOrder result }
			if err := r.Decode(&out); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			versions[out.PlaceOrder.Version] = true
			last = max(last, out.PlaceOrder.Position)
		}
		if len(versions) != 64 {
			t.Fatalf("%d distinct versions, want 64", len(versions))
		}
		var out struct {
			Orders struct{ TotalCount int } `json:"orders"`
		}
		e.must(t, `query($p: Int64) { orders(restaurantId: "r1", minPosition: $p) { totalCount } }`, map[string]any{"p": last}, &out)
		if out.Orders.TotalCount != 64 {
			t.Fatalf("orders %d, want 64", out.Orders.TotalCount)
		}
	})

	t.Run("racing mutations with the same expectedVersion: one wins, the others conflict", func(t *testing.T) {
		var q struct{ Restaurant restaurantOut }
		e.must(t, `{ restaurant(id: "r1") { version } }`, nil, &q)
		head := e.head(t)
		const n = 8
		rs := runConcurrently(t, e, n, changeMenu, func(i int) map[string]any {
			return map[string]any{"in": map[string]any{"id": "r1", "menu": menu(fmt.Sprintf("dish%d", i)), "expectedVersion": 65}}
		})
		won := 0
		for i, r := range rs {
			switch r.Code() {
			case "":
				won++
			case graph.CodeVersionConflict:
			default:
				t.Fatalf("request %d: %v", i, r.Err())
			}
		}
		if won != 1 {
			t.Fatalf("%d won, want 1", won)
		}
		if got := e.head(t); got != head+1 {
			t.Fatalf("head %d → %d", head, got)
		}
	})
}
