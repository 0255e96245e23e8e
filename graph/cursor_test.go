package graph_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/domain/restaurant"
	"github.com/eventgraph/eventgraph/eventsourcing"
	"github.com/eventgraph/eventgraph/graph"
	"github.com/eventgraph/eventgraph/readmodel"
	"github.com/eventgraph/eventgraph/service"
	"github.com/eventgraph/eventgraph/store"
)

// heldReplay is a store whose subscriptions start only once released: a server replaying a
// long log at start-up (cmd/api serves /graphql meanwhile; only /readyz says 503).
type heldReplay struct {
	store.Store
	release chan struct{}
}

func (s *heldReplay) Subscribe(ctx context.Context, after store.Position) iter.Seq2[store.Event, error] {
	return func(yield func(store.Event, error) bool) {
		select {
		case <-s.release:
		case <-ctx.Done():
			return
		}
		for e, err := range s.Store.Subscribe(ctx, after) {
			if !yield(e, err) {
				return
			}
		}
	}
}

// A cursor a server issued before its restart names a node the restarted server's read model
// may not have replayed yet: the page waits for it (CONSISTENCY_TIMEOUT, to retry, past the
// bound) and then follows it. It was refused as BAD_USER_INPUT, "not a cursor this server
// issued". A cursor naming a position beyond the log's head, or a node created elsewhere, is
// still refused at once, and a cursor of the first form (without a position) still read.
func TestCursors_issuedBeforeARestart(t *testing.T) {
	held := &heldReplay{release: make(chan struct{})}
	var first readmodel.Page[readmodel.Restaurant]
	e := newEnv(t, withService(service.WithConsistencyTimeout(100*time.Millisecond)), withStore(func(st store.Store) store.Store {
		// The log as the server's previous run left it, and the cursor it issued then.
		prev := service.New(st)
		for _, id := range []string{"r1", "r2", "r3"} {
			if _, err := prev.CreateRestaurant(t.Context(), restaurant.CreateRestaurant{ID: id, Name: "R", Menu: restaurant.Menu{MenuID: "m", Cuisine: restaurant.Italian,
				MenuItems: []restaurant.MenuItem{{MenuItemID: "a", Name: "A", Price: "1"}}}}, eventsourcing.Meta{}); err != nil {
				t.Fatal(err)
			}
		}
		rm := readmodel.NewRestaurants()
		for ev, err := range st.ReadAll(t.Context(), 0) {
			if err != nil {
				t.Fatal(err)
			}
			if err := rm.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		if first, err = rm.List("", 2); err != nil {
			t.Fatal(err)
		}
		held.Store = st
		return held
	}))
	const page = `query($c: String) { restaurants(first: 2, after: $c) { nodes { id } } }`
	cur := first.EndCursor
	raw, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(raw), "|") // c2|restaurant|seq|position|id
	spell := func(p ...string) string { return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(p, "|"))) }

	if r := e.do(t, page, map[string]any{"c": cur}); r.Code() != graph.CodeConsistencyTimeout {
		t.Fatalf("while the log replays: %s %v; want CONSISTENCY_TIMEOUT, to retry", r.Code(), r.Err())
	}
	// A minPosition below the cursor's position does not lower what the page waits for.
	const pageAt = `query($c: String, $m: Int64) { restaurants(first: 2, after: $c, minPosition: $m) { nodes { id } } }`
	if r := e.do(t, pageAt, map[string]any{"c": cur, "m": 0}); r.Code() != graph.CodeConsistencyTimeout {
		t.Fatalf("while the log replays, with minPosition 0: %s %v; want CONSISTENCY_TIMEOUT, to retry", r.Code(), r.Err())
	}
	head := e.head(t) // 3: the three restaurants
	for _, p := range []store.Position{head + 1, 99} {
		beyond := spell(parts[0], parts[1], parts[2], fmt.Sprint(p), parts[4])
		if r := e.do(t, page, map[string]any{"c": beyond}); r.Code() != graph.CodeBadUserInput {
			t.Fatalf("a cursor at %d, beyond the log's head %d: %s %v; want BAD_USER_INPUT at once", p, head, r.Code(), r.Err())
		}
	}
	// As before: a backward page waits for its cursor's node, and one beyond the head is refused.
	const pageBefore = `query($c: String) { restaurants(last: 2, before: $c) { nodes { id } } }`
	if r := e.do(t, pageBefore, map[string]any{"c": cur}); r.Code() != graph.CodeConsistencyTimeout {
		t.Fatalf("before, while the log replays: %s %v; want CONSISTENCY_TIMEOUT, to retry", r.Code(), r.Err())
	}
	beyond := spell(parts[0], parts[1], parts[2], fmt.Sprint(head+1), parts[4])
	if err := e.wantCode(t, graph.CodeBadUserInput, pageBefore, map[string]any{"c": beyond}); err.Extensions["field"] != "before" {
		t.Fatalf("before at %d, beyond the log's head: %+v; want before named", head+1, err)
	}
	close(held.release)
	// The replay goes on: a page that waited only for the cursor's node (r2) may come before
	// r3 was applied, empty. Wait for the head, past the short consistency timeout if need be.
	for {
		r := e.do(t, fmt.Sprintf(`{ restaurants(minPosition: %d) { totalCount } }`, head), nil)
		if r.Code() != graph.CodeConsistencyTimeout {
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}

	for _, tt := range []struct{ name, cursor string }{
		{"the cursor issued", cur},
		{"a cursor of the first form", spell("c1", parts[1], parts[2], parts[4])},
	} {
		var out struct {
			Restaurants struct{ Nodes []struct{ ID string } }
		}
		e.must(t, page, map[string]any{"c": tt.cursor}, &out)
		if len(out.Restaurants.Nodes) != 1 || out.Restaurants.Nodes[0].ID != "r3" {
			t.Errorf("%s: page %+v, want r3", tt.name, out.Restaurants.Nodes)
		}
		e.must(t, pageBefore, map[string]any{"c": tt.cursor}, &out)
		if len(out.Restaurants.Nodes) != 1 || out.Restaurants.Nodes[0].ID != "r1" {
			t.Errorf("%s: page before it %+v, want r1", tt.name, out.Restaurants.Nodes)
		}
	}
	elsewhere := spell(parts[0], parts[1], parts[2], "1", parts[4]) // r2 was created at 2
	if r := e.do(t, page, map[string]any{"c": elsewhere}); r.Code() != graph.CodeBadUserInput {
		t.Fatalf("a cursor naming r2 created at another position: %s %v; want BAD_USER_INPUT", r.Code(), r.Err())
	}
}

type headFails struct {
	store.Store
	fail atomic.Bool
}

func (s *headFails) Head(ctx context.Context) (store.Position, error) {
	if s.fail.Load() {
		return 0, errors.New("the store does not answer")
	}
	return s.Store.(store.Header).Head(ctx)
}

// A page after a cursor whose node the read models already hold is served from memory, as
// the first page is: the log's head is asked for only when they are behind the cursor, not
// for every page (a store that did not answer failed every page after the first).
func TestCursors_pageOfAReplayedNodeNeedsNoStore(t *testing.T) {
	var hs *headFails
	e := newEnv(t, withStore(func(st store.Store) store.Store { hs = &headFails{Store: st}; return hs }))
	var last int64
	for _, id := range []string{"r1", "r2", "r3"} {
		last = e.create(t, restaurantInput(id, "a")).Position
	}
	// The read models hold the three (else the first page could be empty, with no cursor).
	e.must(t, fmt.Sprintf(`{ restaurants(minPosition: %d) { totalCount } }`, last), nil, nil)
	const page = `query($c: String) { restaurants(first: 2, after: $c) { nodes { id } pageInfo { endCursor } } }`
	var p1 struct {
		Restaurants struct {
			Nodes    []struct{ ID string }
			PageInfo struct{ EndCursor string }
		}
	}
	e.must(t, page, map[string]any{"c": nil}, &p1)
	hs.fail.Store(true)
	// The first page is still served.
	e.must(t, page, map[string]any{"c": nil}, nil)
	r := e.do(t, page, map[string]any{"c": p1.Restaurants.PageInfo.EndCursor})
	if r.Err() != nil {
		t.Errorf("the next page, its node long in the read model, with the store not answering Head: %s %v; want r3 from the read model", r.Code(), r.Err())
	}
}
